import { growth, soak } from '@leaky/core/conformance'
import { describe, expect, it } from 'vitest'
import { webBackends, webWasmBackend } from '../src/index.js'

const MiB = 2 ** 20

describe('web-wasm soak (Node)', () => {
  it('100 000 steps and 1 000 layers leave memory and sessions flat', async () => {
    const report = await soak(webWasmBackend, {
      steps: 100_000,
      layers: 1_000,
      counters: () => ({ sessions: webBackends.sessions.size }),
    })
    console.log(
      JSON.stringify({ soak: 'web-wasm', stepping: report.stepping, layerChurn: report.layerChurn }),
    )
    for (const { before, after } of [report.stepping, report.layerChurn]) {
      expect(growth({ before, after })).toBeLessThan(8 * MiB)
      // The wasm heap shows in RSS (and arrayBuffers) only.
      expect(after.rss - before.rss).toBeLessThan(64 * MiB)
    }
    const { before, after } = report.layerChurn
    expect(after.counters.sessions).toBeLessThanOrEqual(before.counters.sessions as number)
  })
})
