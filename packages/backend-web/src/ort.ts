/**
 * onnxruntime-web, the right build for where this runs: package.json's `imports` map `#ort` to
 * src/ort/node.ts under the `node` condition (Node, vitest) and to src/ort/browser.ts otherwise
 * (Vite, esbuild, browsers). Both builds share one API and one set of types.
 */
import type { OrtRuntime } from '@leaky/onnx/runtime'
import type * as Ort from 'onnxruntime-web'
import { ort as build, RUNTIME } from '#ort'

export const ort: typeof Ort = build
export { RUNTIME }
export type OrtTensor = Ort.Tensor
export type OrtSession = Ort.InferenceSession

type CreateOptions = Parameters<typeof Ort.InferenceSession.create>[1]

// leaky never prints on its own: onnxruntime-web logs warnings (JS side) and a failed kernel (wasm
// side) to the console by default. Unless the caller chose a level before importing leaky, only
// fatal messages get through, and every session logs at ort.env.logLevel (see createSession).
if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal'

const SEVERITY = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const

function sessionLogLevel(): 0 | 1 | 2 | 3 | 4 {
  return SEVERITY[ort.env.logLevel ?? 'fatal'] ?? SEVERITY.fatal
}

let queue: Promise<unknown> = Promise.resolve()

/** Runs `work` after everything queued before it: one call into onnxruntime-web at a time. */
function serialized<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work)
  queue = result.catch(() => undefined)
  return result
}

/**
 * InferenceSession.create, and every run of the session it returns, one at a time across the whole
 * runtime. onnxruntime-web has one wasm instance: two first sessions at once (a web-wasm and a
 * web-webgpu probe, say) fail with "multiple calls to 'initWasm()' detected", and runs of two
 * sessions interleaved at their await points trap inside the wasm ("null function or function
 * signature mismatch"). A layer's own calls are already queued by BaseLayer; this queue covers many
 * layers at once.
 */
export async function createSession(model: Uint8Array, options: CreateOptions): Promise<OrtSession> {
  const session = await serialized(() =>
    ort.InferenceSession.create(model, { ...options, logSeverityLevel: sessionLogLevel() }),
  )
  const run = session.run.bind(session)
  const release = session.release.bind(session)
  return Object.assign(session, {
    run: ((...args: Parameters<OrtSession['run']>) =>
      serialized(() =>
        (run as (...a: unknown[]) => ReturnType<OrtSession['run']>)(...args),
      )) as OrtSession['run'],
    release: () => serialized(release),
  })
}

/** onnxruntime-web as the shared layer drives it: sessions created one at a time. */
export const runtime: OrtRuntime = { Tensor: ort.Tensor, createSession }
