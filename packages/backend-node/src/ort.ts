// onnxruntime-node is CommonJS; its default export is the whole API.
import type { OrtRuntime } from '@leaky/onnx/runtime'
import ort from 'onnxruntime-node'

// leaky never prints on its own; onnxruntime's environment logs warnings and errors to stderr by
// default (a missing CUDA provider is an ERROR line even though leaky handles it). Unless the caller
// chose a level before importing leaky, only fatal messages get through. Set ort.env.logLevel
// before the first session to see more.
if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal'

/** onnxruntime-node as the shared layer drives it. */
export const runtime: OrtRuntime = {
  Tensor: ort.Tensor,
  createSession: (model, options) => ort.InferenceSession.create(model, options),
}

export { ort }
export type OrtTensor = ort.Tensor
export type OrtSession = ort.InferenceSession
