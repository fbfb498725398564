import { describe, expect, it } from 'vitest'
import { sweep, sweepCases } from '../../onnx/test/accuracy-sweep.js'
import { nodeCpuBackend, nodeWebgpuBackend } from '../src/index.js'

describe('accuracy decides the engine (run vs js over decay factors in [−1, 3]²)', () => {
  it('node-cpu: T = 200 on the grid, T = 1e5 for tau = 1 s', async () => {
    const cases = sweepCases({ grid: [-1, -0.5, 0, 0.1, 0.5, 1, 1.5, 2, 3], steps: 200, slowSteps: 100_000 })
    expect(await sweep(nodeCpuBackend, cases)).toEqual([])
  }, 300_000)

  it('node-webgpu (SwiftShader): T = 40 on a coarser grid, T = 2000 for tau = 1 s', async () => {
    const availability = await nodeWebgpuBackend.available()
    if (!availability.ok) {
      if ((process.env.LEAKY_REQUIRE_BACKENDS ?? '').split(',').includes('node-webgpu'))
        throw new Error(availability.reason)
      return
    }
    const cases = sweepCases({ grid: [-1, 0, 0.5, 1, 2, 3], steps: 40, slowSteps: 2000 })
    expect(await sweep(nodeWebgpuBackend, cases)).toEqual([])
  }, 600_000)
})
