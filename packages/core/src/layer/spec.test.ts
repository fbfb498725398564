import { afterEach, describe, expect, it } from 'vitest'
import { CapacityError, NonFiniteError, ParameterError } from '../errors/errors.js'
import { liFeedForwardStep, simulate } from '../math/li.js'
import type { LIParameters } from '../parameters/parameters.js'
import { tensor } from '../tensor/tensor.js'
import { setMemoryBudget } from './capacity.js'
import { type LayerSpec, resolveSpec } from './spec.js'

const params = (p: Record<string, unknown>) => p as unknown as Partial<LIParameters>

describe('resolveSpec refuses what it would otherwise ignore', () => {
  it('an unknown spec key, naming every known key', () => {
    expect(() => resolveSpec({ neurons: 3, tauMemInv: 50 } as unknown as LayerSpec)).toThrow(
      /unknown key "tauMemInv"; the known keys are neurons, weights, params, dt, onWarning, checkFinite/,
    )
  })

  it('a misspelled parameter, naming the closest and every known name', () => {
    const call = () => resolveSpec({ neurons: 3, params: params({ tauMemInV: 50 }) })
    expect(call).toThrow(ParameterError)
    expect(call).toThrow(/"tauMemInV" \(did you mean tauMemInv\?\).*tauSynInv, tauMemInv, vLeak, tau_syn_inv/)
  })

  it("takes Norse's snake_case names as aliases, and refuses one parameter under both names", () => {
    const norse = resolveSpec({
      neurons: 2,
      params: params({ tau_syn_inv: 150, tau_mem_inv: 50, v_leak: -1 }),
    })
    expect(norse.params).toEqual({ tauSynInv: 150, tauMemInv: 50, vLeak: -1 })
    const camel = resolveSpec({ neurons: 2, params: { tauSynInv: 150, tauMemInv: 50, vLeak: -1 } })
    expect(norse.coefficients).toEqual(camel.coefficients)
    expect(() => resolveSpec({ neurons: 2, params: params({ tauMemInv: 50, tau_mem_inv: 50 }) })).toThrow(
      /tauMemInv twice, as tauMemInv and as tau_mem_inv/,
    )
  })

  it('a scalar parameter that is not finite in float32, as a per-neuron one is', () => {
    expect(() => resolveSpec({ neurons: 2, params: { vLeak: 1e39 } })).toThrow(
      /vLeak must be finite in float32/,
    )
    expect(() => resolveSpec({ neurons: 2, params: { tauSynInv: -1e39 } })).toThrow(ParameterError)
    expect(resolveSpec({ neurons: 2, params: { vLeak: -3e38 } }).coefficients.vLeak[0]).toBe(
      Math.fround(-3e38),
    )
  })

  it('params that are not an object', () => {
    expect(() => resolveSpec({ neurons: 2, params: 5 as unknown as LIParameters })).toThrow(
      /params must be an object/,
    )
  })

  it('keeps its own copy of per-neuron parameters', () => {
    const vLeak = Float32Array.of(1, 2)
    const spec = resolveSpec({ neurons: 2, params: { vLeak } })
    vLeak.fill(99)
    expect([...(spec.params.vLeak as Float32Array)]).toEqual([1, 2])
  })
})

describe('non-finite weights', () => {
  const weights = tensor([1, Number.NaN, 0, 1], [2, 2])
  it('are a NonFiniteError with checkFinite on', () => {
    expect(() => resolveSpec({ neurons: 2, weights, checkFinite: true })).toThrow(NonFiniteError)
    expect(() => resolveSpec({ neurons: 2, weights, checkFinite: true })).toThrow(
      /weights holds NaN at flat index 1/,
    )
  })
  it('propagate as in Norse with it off: NaN where they reach', () => {
    const { voltages } = simulate(resolveSpec({ neurons: 2, weights }), tensor([1, 1], [1, 2]))
    expect(Number.isNaN(voltages.data[0])).toBe(true)
    expect(Number.isNaN(voltages.data[1])).toBe(false)
  })
})

describe('a layer too large for memory is a CapacityError before anything is allocated', () => {
  afterEach(() => setMemoryBudget(undefined))
  it('2^31 neurons within a 16 GiB budget', () => {
    setMemoryBudget(16 * 2 ** 30)
    const started = performance.now()
    expect(() => resolveSpec({ neurons: 2 ** 31 })).toThrow(CapacityError)
    expect(performance.now() - started).toBeLessThan(1000)
  })
  it('more neurons than one array holds, whatever the budget', () => {
    expect(() => resolveSpec({ neurons: 2 ** 32 })).toThrow(
      /the most one array can hold .* use fewer neurons/,
    )
  })
  it('weights whose copy does not fit', () => {
    setMemoryBudget(2 ** 20)
    const weights = { data: new Float32Array(256 * 1024), shape: [256, 1024] }
    expect(() => resolveSpec({ neurons: 256, weights })).toThrow(/a layer of 256 neurons × 1024 inputs needs/)
    setMemoryBudget(undefined)
    expect(resolveSpec({ neurons: 256, weights }).inputs).toBe(1024)
  })
})

describe("the step functions' results are the caller's own", () => {
  it('v owns its memory and is the new state.v, as in Norse; i owns its own', () => {
    const state = { v: tensor([0, 0, 0], [3]), i: tensor([0, 0, 0], [3]) }
    const { v, state: next } = liFeedForwardStep(tensor([1, 1, 1], [3]), state)
    expect(v).toBe(next.v)
    for (const t of [v, next.i]) {
      expect(t.data.byteOffset).toBe(0)
      expect(t.data.buffer.byteLength).toBe(t.data.byteLength)
    }
  })
})
