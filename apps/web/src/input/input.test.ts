import { describe, expect, it } from 'vitest'
import { DEFAULT_SETUP, type InputDesign, type Setup } from '../setup/setup.js'
import { makeInput, spikeProbability } from './input.js'

const setup = (input: Partial<InputDesign>, more: Partial<Setup> = {}): Setup => ({
  ...DEFAULT_SETUP,
  neurons: 4,
  steps: 2000,
  ...more,
  input: { ...DEFAULT_SETUP.input, ...input },
})

describe('input designer', () => {
  it('makes [T, N] time-first input', () => {
    expect(makeInput(setup({ kind: 'constant' })).shape).toEqual([2000, 4])
  })

  it('turns a step on at its onset', () => {
    const x = makeInput(setup({ kind: 'step', amplitude: 3, onset: 2 }, { steps: 4, neurons: 2 }))
    expect([...x.data]).toEqual([0, 0, 0, 0, 3, 3, 3, 3])
  })

  it('draws Poisson spikes at rate·dt per step, the same for the same seed', () => {
    const s = setup({ kind: 'poisson', rate: 100, amplitude: 2, seed: 5 }, { dt: 0.001 })
    const x = makeInput(s)
    const spikes = x.data.filter((v) => v === 2).length
    expect(x.data.every((v) => v === 0 || v === 2)).toBe(true)
    expect(spikes / x.data.length).toBeCloseTo(spikeProbability(s), 1)
    expect(makeInput(s).data).toEqual(x.data)
    expect(makeInput({ ...s, input: { ...s.input, seed: 6 } }).data).not.toEqual(x.data)
  })

  it('draws Gaussian noise with the mean and sigma asked for', () => {
    const x = makeInput(setup({ kind: 'noise', mean: 1, sigma: 0.5 }))
    const mean = x.data.reduce((a, b) => a + b, 0) / x.data.length
    const sd = Math.sqrt(x.data.reduce((a, b) => a + (b - mean) ** 2, 0) / x.data.length)
    expect(mean).toBeCloseTo(1, 1)
    expect(sd).toBeCloseTo(0.5, 1)
  })
})
