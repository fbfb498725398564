import { resolveSpec, simulate, UnsupportedError } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { simulateBox } from './box.js'
import { type LeakyModel, runModel, toLayerSpec } from './model.js'

describe('simulateBox (NIR LI, Norse li_box_step)', () => {
  it('follows v += dt·tauMemInv·((vLeak − v) + x) from v = vLeak', () => {
    const spec = resolveSpec({
      neurons: 2,
      params: { tauMemInv: 100, vLeak: Float32Array.of(0, -1) },
      dt: 1e-3,
    })
    const xs = { data: new Float32Array(20).fill(1), shape: [10, 2] }
    const out = simulateBox(spec, xs)
    const v = [0, -1]
    for (let t = 0; t < 10; t++) {
      for (let n = 0; n < 2; n++) {
        v[n] = (v[n] as number) + 0.1 * (([0, -1][n] as number) - (v[n] as number) + 1)
        expect(out.data[t * 2 + n]).toBeCloseTo(v[n] as number, 6)
      }
    }
  })
})

describe('runModel', () => {
  const weights = { data: Float32Array.of(1, -1, 0.5, 2), shape: [2, 2] }
  const xs = { data: Float32Array.from({ length: 16 }, (_, k) => Math.sin(k)), shape: [8, 2] }

  it('a bias adds to x·Wᵀ every step (the same as a layer fed x·Wᵀ + b)', () => {
    const bias = Float32Array.of(0.25, -0.5)
    const model: LeakyModel = {
      inputs: 2,
      dt: 1e-3,
      layers: [
        {
          name: 'a',
          neuron: 'li',
          neurons: 2,
          weights,
          bias,
          params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0 },
        },
      ],
    }
    const currents = new Float32Array(16)
    for (let t = 0; t < 8; t++) {
      for (let o = 0; o < 2; o++) {
        const sum =
          (xs.data[t * 2] as number) * (weights.data[o * 2] as number) +
          (xs.data[t * 2 + 1] as number) * (weights.data[o * 2 + 1] as number)
        currents[t * 2 + o] = Math.fround(sum) + (bias[o] as number)
      }
    }
    const expected = simulate(resolveSpec({ neurons: 2, dt: 1e-3 }), {
      data: currents,
      shape: [8, 2],
    }).voltages
    expect(runModel(model, xs).data).toEqual(expected.data)
    expect(() => toLayerSpec(model, 0)).toThrow(UnsupportedError)
  })

  it('a layer without a bias is exactly core simulate with the same spec', () => {
    const model: LeakyModel = {
      inputs: 2,
      dt: 1e-3,
      layers: [
        {
          name: 'a',
          neuron: 'li',
          neurons: 2,
          weights,
          params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0 },
        },
      ],
    }
    expect(runModel(model, xs).data).toEqual(simulate(resolveSpec(toLayerSpec(model, 0)), xs).voltages.data)
  })
})
