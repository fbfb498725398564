// A browser app's use of @leaky/onnx: bundled by Vite in browser-bundle.test.ts.
import { resolveSpec } from '@leaky/core'
import { layerModel } from '../../src/index.js'

export function buildModel(): Uint8Array {
  return layerModel(resolveSpec({ neurons: 4 }), { graph: 'parallel', steps: 5 }).bytes
}
