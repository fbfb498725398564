import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { nodeCpuBackend, nodeWebgpuBackend } from '../src/index.js'

const golden = loadGoldenFiles()

await describeConformance('node-cpu conformance', { backend: async () => nodeCpuBackend, golden })
// SwiftShader is a software GPU: fewer property runs keep the suite within CI's budget.
await describeConformance('node-webgpu conformance', {
  backend: async () => nodeWebgpuBackend,
  golden,
  numRuns: 8,
})
