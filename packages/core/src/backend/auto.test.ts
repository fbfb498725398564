import { afterEach, describe, expect, it } from 'vitest'
import { FormatError } from '../errors/errors.js'
import { jsDeclaration } from '../js-backend/js-backend.js'
import {
  builtInCosts,
  type Calibration,
  estimate,
  explainSelection,
  parseCalibration,
  rankBackends,
  useCalibration,
} from './auto.js'
import { costs } from './costs.js'
import { registerBackend, resetRegistry, selectBackend } from './registry.js'
import { declaration, unavailable } from './test-declarations.js'

/** A stand-in GPU backend that runs (on the js math) so selection can pick it. */
const fakeGpu = declaration('node-webgpu', 'webgpu', 5, { costs: costs([1e-4, 1e9], [1e-4, 1e9], 1e11) })
const missingCuda = declaration('node-cuda', 'cuda', 10, {
  ...unavailable('no CUDA EP'),
  costs: costs([1e-4, 1e10], [1e-4, 1e10], 1e12),
})

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

afterEach(() => resetRegistry())

describe('auto selection (cost model)', () => {
  it('adds call cost, neuron-steps and, for weighted layers, the x·Wᵀ flops', () => {
    registerBackend(jsDeclaration)
    const f = builtInCosts('js')
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
    registerBackend(jsDeclaration)
    registerBackend(fakeGpu)
    registerBackend(missingCuda)
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

  it('ranks an event-driven x·Wᵀ by the input density: spikes go to it, dense input to the faster sgemm', async () => {
    // "sgemm": 1e11 flop/s on any input; "events": 3e10 dense, 2e10 useful flop/s on the active inputs.
    registerBackend(declaration('sgemm', 'cpu', 1, { costs: costs([1e-4, 1e9], [1e-4, 1e9], 1e11) }))
    registerBackend(declaration('events', 'wasm', 1, { costs: costs([1e-4, 1e9], [1e-4, 1e9], 3e10, 2e10) }))
    const dense = { neurons: 1024, steps: 200, batch: 256, inputs: 1024, weighted: true }
    const flops = 2 * 200 * 256 * 1024 * 1024
    expect(estimate('events', dense).seconds).toBeCloseTo(1e-4 + (200 * 256 * 1024) / 1e9 + flops / 3e10, 9)
    expect(estimate('events', { ...dense, inputDensity: 0.1 }).seconds).toBeCloseTo(
      1e-4 + (200 * 256 * 1024) / 1e9 + (flops * 0.1) / 2e10,
      9,
    )
    // Density never helps a backend that declares no event-driven path.
    expect(estimate('sgemm', { ...dense, inputDensity: 0.1 }).seconds).toBe(estimate('sgemm', dense).seconds)
    expect((await selectBackend({ prefer: ['sgemm', 'events'], workload: dense })).name).toBe('sgemm')
    expect((await selectBackend({ prefer: 'auto', workload: dense })).name).toBe('sgemm')
    expect((await selectBackend({ prefer: 'auto', workload: { ...dense, inputDensity: 0.1 } })).name).toBe(
      'events',
    )
    // Above the density where the event path stops paying, the model takes its dense figure; an
    // event rate above the dense one (a noisy calibration) never ranks dense input.
    expect(estimate('events', { ...dense, inputDensity: 0.9 }).seconds).toBe(
      estimate('events', dense).seconds,
    )
    registerBackend(
      declaration('fast-events', 'wasm', 1, { costs: costs([1e-4, 1e9], [1e-4, 1e9], 1e10, 1e12) }),
    )
    const plain = 1e-4 + (200 * 256 * 1024) / 1e9 + flops / 1e10
    expect(estimate('fast-events', dense).seconds).toBeCloseTo(plain, 9)
    expect(estimate('fast-events', { ...dense, inputDensity: 1 }).seconds).toBeCloseTo(plain, 9)
    expect(
      explainSelection(rankBackends(['sgemm', 'events'], { ...dense, inputDensity: 0.1 }), {
        ...dense,
        inputDensity: 0.1,
      }).join('\n'),
    ).toMatch(/input density 0\.1[\s\S]*events: × density \/ 2\.0e\+10\/s/)
    for (const bad of [-0.1, 1.5, Number.NaN, '0.1'])
      await expect(
        selectBackend({ prefer: 'auto', workload: { ...dense, inputDensity: bad as number } }),
      ).rejects.toMatchObject({ code: 'E_PARAMETER', message: expect.stringMatching(/inputDensity/) })
  })

  it('keeps priority order without a workload, and built-in figures by default', async () => {
    registerBackend(jsDeclaration)
    registerBackend(fakeGpu)
    useCalibration(undefined)
    expect((await selectBackend()).name).toBe('node-webgpu')
    // Built-in: one step of 1000 neurons is cheaper on js than a GPU call.
    expect((await selectBackend({ workload: { neurons: 1000, steps: 1, mode: 'step' } })).name).toBe('js')
  })

  it('parses a calibration file and rejects a malformed one', () => {
    const round = parseCalibration(JSON.parse(JSON.stringify(calibration)))
    expect(round).toEqual(calibration)
    expect(() => parseCalibration({ version: 2, backends: {} })).toThrow(FormatError)
    expect(() => parseCalibration({ version: 1, backends: { js: { sequence: {} } } })).toThrow(
      /js.sequence: callSeconds/,
    )
  })
})
