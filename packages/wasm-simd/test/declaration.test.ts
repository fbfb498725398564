import { resolveSpec } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { wasmSimdBackend, wasmSimdDeclaration } from '../src/index.js'

describe('the wasm-simd declaration', () => {
  it('is one declaration in the shape of the backend-declaration API', async () => {
    const d = wasmSimdDeclaration
    expect(d.name).toMatch(/^[a-z][a-z0-9-]*$/)
    expect([d.name, d.device]).toEqual(['wasm-simd', 'wasm'])
    for (const mode of ['sequence', 'step'] as const) {
      expect(d.costs[mode].callSeconds).toBeGreaterThan(0)
      expect(d.costs[mode].neuronStepsPerSecond).toBeGreaterThan(0)
    }
    expect(await d.probe()).toEqual({ ok: true })
    const layer = await d.create(resolveSpec({ neurons: 3 }))
    expect(layer.backend).toBe('wasm-simd')
    const { voltages } = await layer.run({ data: new Float32Array(6).fill(1), shape: [2, 3] })
    expect(voltages.shape).toEqual([2, 3])
    await layer.dispose()
    expect(await wasmSimdBackend.available()).toEqual({ ok: true })
  })
})

describe('registered on import', () => {
  it('is chosen by name, by the wasm alias and by auto for a large feed-forward run', async () => {
    const { createLayer, resolvePreference } = await import('@leaky/core')
    expect(resolvePreference('wasm')).toContain('wasm-simd')
    const layer = await createLayer({ neurons: 4 }, { prefer: 'wasm' })
    expect(layer.backend).toBe('wasm-simd')
    await layer.dispose()
    const auto = await createLayer(
      { neurons: 100_000 },
      { prefer: 'auto', workload: { neurons: 100_000, steps: 1000 } },
    )
    expect(auto.backend).toBe('wasm-simd')
    await auto.dispose()
  })
})
