import { growth, soak } from '@leaky/core/conformance'
import { describe, expect, it } from 'vitest'
import { getEngine, getSharedEngine, wasmSimdBackend } from '../src/index.js'

const MiB = 2 ** 20

describe('wasm-simd soak (Node)', () => {
  it('100 000 steps and 1 000 layers leave JS memory and wasm memory flat', async () => {
    const engines = [await getEngine(), await getSharedEngine()]
    const report = await soak(wasmSimdBackend, {
      steps: 100_000,
      layers: 1_000,
      counters: () => ({
        wasmBytesInUse: engines.reduce((sum, e) => sum + (e?.bytesInUse ?? 0), 0),
        wasmBytes: engines.reduce((sum, e) => sum + (e?.memory.buffer.byteLength ?? 0), 0),
      }),
    })
    console.log(
      JSON.stringify({ soak: 'wasm-simd', stepping: report.stepping, layerChurn: report.layerChurn }),
    )
    expect(growth(report.stepping)).toBeLessThan(8 * MiB)
    expect(growth(report.layerChurn)).toBeLessThan(8 * MiB)
    for (const s of [report.stepping, report.layerChurn]) {
      // Blocks in use: one state at most beyond the warm-up's; the memory itself does not grow.
      expect(s.after.counters.wasmBytesInUse).toBeLessThanOrEqual(
        (s.before.counters.wasmBytesInUse as number) + 1024,
      )
      expect(s.after.counters.wasmBytes).toBe(s.before.counters.wasmBytes)
    }
  })
})
