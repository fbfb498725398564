import { describe, expect, it } from 'vitest'
import { growth, soak } from '../conformance/soak.js'
import { jsBackend } from './js-backend.js'

describe('js soak', () => {
  it('100 000 steps and 1 000 layers leave memory flat', async () => {
    const report = await soak(jsBackend, { steps: 100_000, layers: 1_000 })
    // Flat: live heap + buffers grow by less than 8 MiB after warm-up (a leak of one 64-neuron
    // state per step would be 50 MB).
    expect(growth(report.stepping)).toBeLessThan(8 * 2 ** 20)
    expect(growth(report.layerChurn)).toBeLessThan(8 * 2 ** 20)
    console.log(
      JSON.stringify({ soak: report.backend, stepping: report.stepping, layerChurn: report.layerChurn }),
    )
  }, 120_000)
})
