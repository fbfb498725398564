import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { webWasmBackend } from '../src/index.js'

// web-wasm in Node: onnxruntime-web's Node build, the same wasm runtime a browser runs. web-webgpu
// needs a browser: test/browser.test.ts runs the same kit on both inside headless Chromium.
await describeConformance('web-wasm conformance (Node)', {
  backend: async () => webWasmBackend,
  golden: loadGoldenFiles(),
})
