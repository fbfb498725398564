import { afterEach, describe, expect, it } from 'vitest'
import { FormatError } from '../errors/errors.js'
import { jsBackend } from '../js-backend/js-backend.js'
import {
  BUILT_IN_COSTS,
  type Calibration,
  estimate,
  explainSelection,
  parseCalibration,
  rankBackends,
  useCalibration,
} from './auto.js'
import { registerBackend, resetRegistry, selectBackend } from './registry.js'
import type { Backend } from './types.js'

/** A stand-in GPU backend that runs (on the js math) so selection can pick it. */
const fakeGpu: Backend = { ...jsBackend, name: 'node-webgpu' }
const missingCuda: Backend = {
  name: 'node-cuda',
  available: async () => ({ ok: false, reason: 'no CUDA EP' }),
  createLayer: async () => {
    throw new Error('unreachable')
  },
}

/** js: cheap calls, slow per neuron-step; the GPU: expensive calls, fast per neuron-step. */
const calibration: Calibration = {
  version: 1,
  host: 'test',
  createdAt: '2026-11-26T00:00:00Z',
  backends: {
    js: {
      sequence: { callSeconds: 1e-6, neuronStepsPerSecond: 3e8 },
      step: { callSeconds: 1e-6, neuronStepsPerSecond: 3e8 },
    },
    'node-webgpu': {
      sequence: { callSeconds: 1e-3, neuronStepsPerSecond: 1e11 },
      step: { callSeconds: 1e-3, neuronStepsPerSecond: 1e11 },
    },
  },
}

afterEach(() => {
  resetRegistry()
  useCalibration(undefined)
})

describe('auto selection (cost model)', () => {
  it('adds call cost, neuron-steps and, for weighted layers, the x·Wᵀ flops', () => {
    const f = BUILT_IN_COSTS.js
    const seq = estimate('js', { neurons: 1000, steps: 100 })
    expect(seq.seconds).toBeCloseTo(f.sequence.callSeconds + 1e5 / f.sequence.neuronStepsPerSecond, 12)
    expect(seq.source).toBe('built-in')
    const step = estimate('js', { neurons: 1000, steps: 100, mode: 'step' })
    expect(step.calls).toBe(100)
    expect(step.seconds).toBeCloseTo(100 * f.step.callSeconds + 1e5 / f.step.neuronStepsPerSecond, 12)
    const weighted = estimate('js', { neurons: 10, steps: 5, batch: 2, inputs: 3, weighted: true })
    expect(weighted.flops).toBe(2 * 5 * 2 * 3 * 10)
    expect(weighted.seconds).toBeGreaterThan(estimate('js', { neurons: 10, steps: 5, batch: 2 }).seconds)
  })

  it('picks js for N=10 and the GPU for N=1e6 when the calibration says so, and explains it', async () => {
    registerBackend('js', () => jsBackend, 0)
    registerBackend('node-webgpu', () => fakeGpu, 5)
    registerBackend('node-cuda', () => missingCuda, 10)
    useCalibration(calibration)
    const small = { neurons: 10, steps: 100 }
    const large = { neurons: 1_000_000, steps: 100 }
    expect((await selectBackend({ workload: small })).name).toBe('js')
    expect((await selectBackend({ workload: large })).name).toBe('node-webgpu')

    const ranking = rankBackends(['js', 'node-webgpu'], small, calibration)
    expect(ranking.map((e) => e.backend)).toEqual(['js', 'node-webgpu'])
    expect(ranking.every((e) => e.source === 'calibration')).toBe(true)
    const lines = explainSelection(ranking, small)
    expect(lines.at(-1)).toMatch(/auto picks js: .*call overhead|auto picks js: .*throughput/)
    expect(lines.at(-1)).toMatch(/next is node-webgpu/)

    // node-cuda has no calibration: built-in figures, ranked first for 1e6 neurons but unavailable.
    const big = rankBackends(['js', 'node-webgpu', 'node-cuda'], large, calibration)
    expect(big.find((e) => e.backend === 'node-cuda')?.source).toBe('built-in')
    const explained = explainSelection(big, large, new Map([['node-cuda', 'no CUDA EP']]))
    expect(explained.join('\n')).toMatch(/node-cuda .* not available: no CUDA EP/)
    expect(explained.at(-1)).toMatch(/auto picks node-webgpu/)
  })

  it('keeps priority order without a workload, and built-in figures by default', async () => {
    registerBackend('js', () => jsBackend, 0)
    registerBackend('node-webgpu', () => fakeGpu, 5)
    useCalibration(undefined)
    expect((await selectBackend()).name).toBe('node-webgpu')
    // Built-in: one step of 1000 neurons is cheaper on js than a GPU call.
    expect((await selectBackend({ workload: { neurons: 1000, steps: 1, mode: 'step' } })).name).toBe('js')
  })

  it('parses a calibration file and rejects a malformed one', () => {
    const round = parseCalibration(
      JSON.parse(JSON.stringify({ ...calibration, backends: { ...calibration.backends, tpu: {} } })),
    )
    expect(Object.keys(round.backends)).toEqual(['js', 'node-webgpu'])
    expect(() => parseCalibration({ version: 2, backends: {} })).toThrow(FormatError)
    expect(() => parseCalibration({ version: 1, backends: { js: { sequence: {} } } })).toThrow(
      /js.sequence needs callSeconds/,
    )
  })
})
