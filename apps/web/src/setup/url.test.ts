import { describe, expect, it } from 'vitest'
import { DEFAULT_SETUP, LIMITS, PRESETS, type Setup, setupProblems } from './setup.js'
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

  it('falls back to the documented default of each malformed field, never to a clipped value', () => {
    expect(setupFromQuery('')).toEqual(DEFAULT_SETUP)
    const s = setupFromQuery('dt=-1&tauSynInv=abc&input=laser&unit=h&N=99999&T=0&onset=1.5&plot=1,x,9')
    expect(s.dt).toBe(DEFAULT_SETUP.dt)
    expect(s.tauSynInv).toBe(DEFAULT_SETUP.tauSynInv)
    expect(s.input.kind).toBe(DEFAULT_SETUP.input.kind)
    expect(s.unit).toBe(DEFAULT_SETUP.unit)
    expect(s.neurons).toBe(DEFAULT_SETUP.neurons)
    expect(s.steps).toBe(DEFAULT_SETUP.steps)
    expect(s.input.onset).toBe(DEFAULT_SETUP.input.onset)
    expect(s.plot).toEqual(DEFAULT_SETUP.plot)
  })

  it('drops T, then N, to their defaults when N·T is over the limit', () => {
    const s = setupFromQuery('N=4096&T=10000')
    expect(s.neurons).toBe(4096)
    expect(s.steps).toBe(DEFAULT_SETUP.steps)
    expect(s.neurons * s.steps).toBeLessThanOrEqual(LIMITS.cells)
  })

  it('cuts the default plot list to a small layer', () => {
    expect(setupFromQuery('N=2&plot=5').plot).toEqual([0, 1])
    expect(setupFromQuery('N=2&plot=1,0').plot).toEqual([1, 0])
  })

  it('parses neuron lists, and refuses one with a non-number', () => {
    expect(parseNeuronList(' 0, 3 ,7,')).toEqual([0, 3, 7])
    expect(parseNeuronList('0, x')).toBeUndefined()
  })
})

describe('setup problems', () => {
  it('names the field and the range', () => {
    const fields = (s: Setup) => setupProblems(s).map((p) => p.field)
    expect(setupProblems(DEFAULT_SETUP)).toEqual([])
    expect(fields({ ...DEFAULT_SETUP, neurons: 4097 })).toEqual(['neurons'])
    expect(setupProblems({ ...DEFAULT_SETUP, neurons: 4097 })[0]?.message).toContain('1 to 4,096')
    expect(fields({ ...DEFAULT_SETUP, neurons: 4096, steps: 2000 })).toEqual(['neurons', 'steps'])
    expect(fields({ ...DEFAULT_SETUP, neurons: 2 })).toEqual(['plot', 'neurons'])
    expect(fields({ ...DEFAULT_SETUP, plot: [0, 1, 2, 3, 4, 5, 6, 7, 8] })).toEqual(['plot'])
    expect(fields({ ...DEFAULT_SETUP, dt: 0 })).toEqual(['dt'])
  })
})
