/**
 * onnxruntime-web, the right build for where this runs: package.json's `imports` map `#ort` to
 * src/ort/node.ts under the `node` condition (Node, vitest) and to src/ort/browser.ts otherwise
 * (Vite, esbuild, browsers). Both builds share one API and one set of types.
 */
import type * as Ort from 'onnxruntime-web'
import { RUNTIME, ort as runtime } from '#ort'

export const ort: typeof Ort = runtime
export { RUNTIME }
export type OrtTensor = Ort.Tensor
export type OrtSession = Ort.InferenceSession

type CreateOptions = Parameters<typeof Ort.InferenceSession.create>[1]

let creating: Promise<unknown> = Promise.resolve()

/**
 * InferenceSession.create, one at a time. onnxruntime-web starts its wasm runtime and each EP at the
 * first session that needs it, and two first sessions at once (a web-wasm and a web-webgpu probe,
 * say) fail with "multiple calls to 'initWasm()' detected". Creating sessions is never hot.
 */
export function createSession(model: Uint8Array, options: CreateOptions): Promise<OrtSession> {
  const session = creating.then(() => ort.InferenceSession.create(model, options))
  creating = session.catch(() => undefined)
  return session
}
