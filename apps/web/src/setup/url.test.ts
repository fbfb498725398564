import { describe, expect, it } from 'vitest'
import { clampSetup, DEFAULT_SETUP, LIMITS, PRESETS, type Setup } from './setup.js'
import { parseNeuronList, setupFromQuery, setupToQuery } from './url.js'

describe('setup in the URL', () => {
  it('round-trips every field', () => {
    const s: Setup = {
      ...PRESETS.bio,
      neurons: 7,
      steps: 123,
      input: { kind: 'noise', amplitude: 2.5, onset: 9, rate: 12, mean: -0.5, sigma: 0.25, seed: 42 },
      plot: [6, 0],
      backend: 'web-wasm',
    }
    expect(setupFromQuery(setupToQuery(s))).toEqual(s)
  })

  it('falls back to the defaults for missing or malformed fields', () => {
    expect(setupFromQuery('')).toEqual(DEFAULT_SETUP)
    const s = setupFromQuery('dt=-1&tauSynInv=abc&input=laser&N=5&plot=1,x,9')
    expect(s.dt).toBe(DEFAULT_SETUP.dt)
    expect(s.tauSynInv).toBe(DEFAULT_SETUP.tauSynInv)
    expect(s.input.kind).toBe(DEFAULT_SETUP.input.kind)
    expect(s.plot).toEqual([1]) // 9 is outside a 5-neuron layer
  })

  it('keeps sizes inside the limits', () => {
    const s = clampSetup({ ...DEFAULT_SETUP, neurons: 4096, steps: 10_000 })
    expect(s.neurons * s.steps).toBeLessThanOrEqual(LIMITS.cells)
    expect(clampSetup({ ...DEFAULT_SETUP, neurons: 0 }).neurons).toBe(1)
  })

  it('parses neuron lists', () => {
    expect(parseNeuronList(' 0, 3 ,7,')).toEqual([0, 3, 7])
  })
})
