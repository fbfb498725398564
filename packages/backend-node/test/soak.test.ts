import { growth, soak } from '@leaky/core/conformance'
import { describe, expect, it } from 'vitest'
import { nodeBackends, nodeCpuBackend, nodeWebgpuBackend } from '../src/index.js'

const MiB = 2 ** 20

describe.each([
  ['node-cpu', nodeCpuBackend],
  ['node-webgpu', nodeWebgpuBackend],
])('%s soak', (name, backend) => {
  it('100 000 steps and 1 000 layers leave memory and sessions flat', async () => {
    const availability = await backend.available()
    if (!availability.ok) {
      if ((process.env.LEAKY_REQUIRE_BACKENDS ?? '').split(',').includes(name))
        throw new Error(availability.reason)
      return
    }
    const report = await soak(backend, {
      steps: 100_000,
      layers: 1_000,
      counters: () => ({ sessions: nodeBackends.sessions.size }),
    })
    console.log(JSON.stringify({ soak: name, stepping: report.stepping, layerChurn: report.layerChurn }))
    expect(growth(report.stepping)).toBeLessThan(8 * MiB)
    expect(growth(report.layerChurn)).toBeLessThan(8 * MiB)
    // Native memory (onnxruntime, the GPU driver) shows in RSS only.
    expect(report.stepping.after.rss - report.stepping.before.rss).toBeLessThan(64 * MiB)
    expect(report.layerChurn.after.rss - report.layerChurn.before.rss).toBeLessThan(64 * MiB)
    expect(report.layerChurn.after.counters.sessions).toBeLessThanOrEqual(
      report.layerChurn.before.counters.sessions as number,
    )
  }, 600_000)
})
