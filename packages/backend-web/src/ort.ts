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
