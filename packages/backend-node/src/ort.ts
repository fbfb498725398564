// onnxruntime-node is CommonJS; its default export is the whole API.
import type { OrtRuntime } from '@leaky/onnx/runtime'
import ort from 'onnxruntime-node'

// leaky never prints on its own; onnxruntime's environment logs warnings and errors to stderr by
// default (a missing CUDA provider is an ERROR line even though leaky handles it). Unless the caller
// chose a level before importing leaky, only fatal messages get through. Set ort.env.logLevel
// before the first session to see more.
if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal'

const SEVERITY = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const

/**
 * A session logs at its own severity, not the environment's: a kernel that fails at run time is an
 * `[E:onnxruntime:…]` line on stderr unless the session says otherwise (the failure itself reaches
 * the caller as a BackendError). Every session leaky makes logs at the level of ort.env.logLevel
 * (fatal, unless the caller chose one), whatever its other options say: this package owns the
 * runtime, so it owns what the runtime prints.
 */
function sessionLogLevel(): 0 | 1 | 2 | 3 | 4 {
  return SEVERITY[ort.env.logLevel ?? 'fatal'] ?? SEVERITY.fatal
}

/** onnxruntime-node as the shared layer drives it. */
export const runtime: OrtRuntime = {
  Tensor: ort.Tensor,
  createSession: (model, options) =>
    ort.InferenceSession.create(model, { ...options, logSeverityLevel: sessionLogLevel() }),
}

export { ort }
export type OrtTensor = ort.Tensor
export type OrtSession = ort.InferenceSession
