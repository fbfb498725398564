import { describe, expect, it } from 'vitest'
import { caseSpec, goldenError } from '../conformance/golden.js'
import { loadGoldenFiles } from '../conformance/node.js'
import { ParameterError, ShapeError } from '../errors/errors.js'
import { resolveSpec } from '../layer/spec.js'
import type { LeakyWarning } from '../parameters/parameters.js'
import { BIO_DEFAULTS, NORSE_DEFAULTS } from '../parameters/parameters.js'
import { tensor } from '../tensor/tensor.js'
import { project } from './integrate.js'
import { initialState, liFeedForwardStep, liStep, simulate } from './li.js'

const golden = loadGoldenFiles()

describe('simulate reproduces Norse', () => {
  for (const file of golden) {
    for (const c of file.cases) {
      it(`${c.name}: error <= 1e-5 (feed-forward cases bit-exact)`, () => {
        const { voltages, state } = simulate(resolveSpec(caseSpec(c)), c.input, c.initial)
        const error = goldenError(c, voltages, state)
        expect(error).toBeLessThanOrEqual(1e-5)
        if (c.kind === 'feed_forward') expect(error).toBe(0)
      })
    }
  }
})

describe('Norse-named step functions', () => {
  const c = golden[0]?.cases.find((k) => k.kind === 'weighted')
  const ff = golden[0]?.cases.find((k) => k.kind === 'feed_forward')
  it('li_feed_forward_step repeated equals the golden outputs', () => {
    if (!ff) throw new Error('no feed-forward case')
    const [steps, ...rest] = ff.input.shape as [number, ...number[]]
    const size = ff.input.data.length / steps
    let state = ff.initial
    for (let t = 0; t < steps; t++) {
      const x = tensor(ff.input.data.slice(t * size, (t + 1) * size), rest)
      const out = liFeedForwardStep(x, state, ff.params, ff.dt)
      expect(out.v.data).toEqual(ff.outputs.data.slice(t * size, (t + 1) * size))
      state = out.state
    }
  })
  it('li_step applies x·Wᵀ', () => {
    if (!c?.weights) throw new Error('no weighted case')
    const x = tensor(c.input.data.slice(0, c.weights.shape[1]), [c.weights.shape[1] as number])
    const state = { v: tensor(c.initial.v.data.slice(0, 10), [10]), i: tensor(new Float32Array(10), [10]) }
    const out = liStep(x, state, c.weights, c.params, c.dt)
    expect(out.v.shape).toEqual([10])
    expect(out.state.i.shape).toEqual([10])
  })
})

describe('parameters and warnings', () => {
  it('presets are Norse defaults and bio_default', () => {
    expect(NORSE_DEFAULTS).toEqual({ tauSynInv: 200, tauMemInv: 100, vLeak: 0 })
    expect(BIO_DEFAULTS).toEqual({ tauSynInv: 0.5, tauMemInv: 0.1, vLeak: -70 })
  })
  it('default initial state is v = vLeak, i = 0 over the batch', () => {
    const spec = resolveSpec({ neurons: 2, params: { vLeak: Float32Array.of(-1, 3) } })
    const s = initialState(spec, [2])
    expect([...s.v.data]).toEqual([-1, 3, -1, 3])
    expect([...s.i.data]).toEqual([0, 0, 0, 0])
    expect(s.v.shape).toEqual([2, 2])
  })
  it('dt·tauInv > 2 warns through the caller channel and keeps Norse numbers', () => {
    const warnings: LeakyWarning[] = []
    const spec = resolveSpec({ neurons: 1, dt: 0.03, onWarning: (w) => warnings.push(w) })
    expect(warnings.map((w) => w.code)).toEqual(['euler-unstable', 'euler-unstable'])
    const xs = tensor(new Float32Array(50).fill(1), [50, 1])
    const out = simulate(spec, xs)
    expect(Math.abs(out.voltages.data[49] as number)).toBeGreaterThan(1e3)
  })
  it('typed errors name what was expected and what came', () => {
    expect(() => resolveSpec({ neurons: 3, params: { tauSynInv: new Float32Array(2) } })).toThrow(ShapeError)
    expect(() => resolveSpec({ neurons: 3, params: { tauSynInv: new Float32Array(2) } })).toThrow(
      /2 values.*3 neurons/,
    )
    expect(() => resolveSpec({ neurons: 3, dt: 0 })).toThrow(ParameterError)
    const spec = resolveSpec({ neurons: 3 })
    expect(() => simulate(spec, tensor(new Float32Array(8), [2, 4]))).toThrow(
      /\[T, \.\.\.batch, 3\], got \[2, 4\]/,
    )
  })
})

describe('x·Wᵀ with spikes as events', () => {
  it('rows with few active inputs sum only those, and give what the full sum gives', () => {
    const [rows, inputs, outputs] = [6, 30, 7]
    const weights = Float32Array.from({ length: outputs * inputs }, (_, k) => Math.sin(k) * 0.5)
    // Rows 0–2 sparse (≤ a third active), rows 3–5 dense; row 2 all zero, row 1 with a NaN.
    const x = new Float32Array(rows * inputs)
    x.set([1, 0, 0, 0, 1], 0)
    x[inputs + 7] = Number.NaN
    for (let k = 3 * inputs; k < rows * inputs; k++) x[k] = (k % 5) - 2
    const into = new Float32Array(rows * outputs)
    project(x, rows, inputs, weights, outputs, into)
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outputs; o++) {
        let full = 0
        for (let k = 0; k < inputs; k++)
          full += (x[r * inputs + k] as number) * (weights[o * inputs + k] as number)
        expect(into[r * outputs + o]).toBe(Math.fround(full))
      }
  })
})
