import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { wasmSimdBackend } from '../src/index.js'

await describeConformance('wasm-simd conformance', {
  backend: async () => wasmSimdBackend,
  golden: loadGoldenFiles(),
})
