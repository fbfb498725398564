/** plan(): which engine runs a call, decided from the spec, the call's shape and plain limits. */
import { resolveSpec } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { type EngineLimits, parallelErrorBound, plan, stepChunkLengths } from './plan.js'

const LIMITS: EngineLimits = {
  jsStepMaxWork: 100,
  chunkedMaxWork: 1000,
  sliceElements: { sequence: 4000, parallel: 800 },
  minSliceSteps: 2,
  gpuChunkedMinSteps: 64,
  stepSessionMinWork: 5000,
}
const seq = (steps: number, batch: number[] = [], recordStates = false) =>
  ({ mode: 'sequence', steps, batch, recordStates }) as const

describe('plan', () => {
  it('steps: the JS loop up to jsStepMaxWork on a CPU, a step session above it and on a GPU', () => {
    const small = resolveSpec({ neurons: 10 })
    expect(plan(small, { mode: 'step', steps: 1, batch: [10] }, 'cpu', LIMITS)).toEqual({ engine: 'js-step' })
    expect(plan(small, { mode: 'step', steps: 1, batch: [11] }, 'cpu', LIMITS)).toMatchObject({
      engine: 'step-session',
      session: { graph: 'step', batchRank: 1, work: 110 },
    })
    expect(plan(small, { mode: 'step', steps: 1, batch: [] }, 'gpu', LIMITS).engine).toBe('step-session')
  })

  it('CPU runs: chunked for small scalar layers (exact fallback kept), Scan for per-neuron or wide ones', () => {
    const chunked = plan(resolveSpec({ neurons: 100 }), seq(50), 'cpu', LIMITS)
    expect(chunked).toMatchObject({
      engine: 'graph',
      session: { graph: 'parallel', parallel: 'auto', work: 100 },
      sliceSteps: 8,
      slices: 7,
      fallback: { engine: 'graph', session: { graph: 'sequence' }, sliceSteps: 40, slices: 2 },
    })
    const perNeuron = resolveSpec({ neurons: 3, params: { vLeak: Float32Array.of(0, 1, 2) } })
    expect(plan(perNeuron, seq(50), 'cpu', LIMITS)).toMatchObject({ session: { graph: 'sequence' } })
    expect(plan(resolveSpec({ neurons: 1001 }), seq(50), 'cpu', LIMITS)).toMatchObject({
      session: { graph: 'sequence' },
      sliceSteps: 3,
    })
    expect(plan(resolveSpec({ neurons: 5000 }), seq(50), 'cpu', LIMITS)).toMatchObject({
      engine: 'step-sessions',
    })
  })

  it('recordStates and zero steps step through time', () => {
    const spec = resolveSpec({ neurons: 4 })
    expect(plan(spec, seq(5, [], true), 'cpu', LIMITS)).toEqual({
      engine: 'stepping',
      each: { engine: 'js-step' },
    })
    expect(plan(spec, seq(0), 'gpu', LIMITS).engine).toBe('stepping')
  })

  it('GPU runs: doubling with batch dims or short slices, else the graph the traffic model finds lighter', () => {
    const spec = resolveSpec({ neurons: 4 })
    // Scalar parameters at T=100: chunked moves far fewer bytes per neuron-step than doubling.
    expect(plan(spec, seq(100), 'gpu', LIMITS)).toMatchObject({
      session: { parallel: 'chunked' },
      sliceSteps: 100,
    })
    // Per-neuron parameters: only the doubling graph exists.
    const perNeuron = resolveSpec({
      neurons: 4,
      params: { tauMemInv: new Float32Array([90, 100, 110, 120]) },
    })
    expect(plan(perNeuron, seq(100), 'gpu', LIMITS)).toMatchObject({ session: { parallel: 'doubling' } })
    expect(plan(spec, seq(100, [2]), 'gpu', LIMITS)).toMatchObject({ session: { parallel: 'doubling' } })
    expect(plan(spec, seq(10), 'gpu', LIMITS)).toMatchObject({ session: { parallel: 'doubling' } })
  })

  it('accuracy decides: slow time constants over long runs take the exact engine', () => {
    // tau = 1 s at dt = 1e-4: the state remembers ~1e4 steps, beyond the parallel graphs' 1e-4.
    const slow = resolveSpec({ neurons: 4, dt: 1e-4, params: { tauMemInv: 1, tauSynInv: 1 } })
    expect(parallelErrorBound(slow, 100_000)).toBeGreaterThan(1e-4)
    expect(plan(slow, seq(100_000), 'cpu', LIMITS)).toMatchObject({ session: { graph: 'sequence' } })
    expect(plan(slow, seq(100_000), 'gpu', LIMITS)).toMatchObject({ engine: 'stepping' })
    // The same layer over a short run remembers only those steps: parallel is within 1e-4.
    expect(parallelErrorBound(slow, 100)).toBeLessThan(1e-4)
    expect(plan(slow, seq(100), 'cpu', LIMITS)).toMatchObject({ session: { graph: 'parallel' } })
    // Norse's defaults forget within ~10 steps.
    expect(parallelErrorBound(resolveSpec({ neurons: 1 }), 1e9)).toBeLessThan(1e-5)
  })

  it('decay factors outside [0, 1] (negative tau, dt·tauInv > 1) have no bound: exact engine', () => {
    for (const params of [{ tauMemInv: -100 }, { tauSynInv: 1500 }, { tauMemInv: 2500 }]) {
      const spec = resolveSpec({ neurons: 2, params })
      expect(parallelErrorBound(spec, 10)).toBe(Number.POSITIVE_INFINITY)
      expect(plan(spec, seq(10), 'cpu', LIMITS)).toMatchObject({ session: { graph: 'sequence' } })
      expect(plan(spec, seq(10), 'gpu', LIMITS).engine).toBe('stepping')
    }
  })

  it('a parallel plan states the input magnitude it takes without overflowing differently from Norse', () => {
    const p = plan(resolveSpec({ neurons: 4 }), seq(100), 'cpu', LIMITS)
    if (p.engine !== 'graph') throw new Error('expected a graph plan')
    expect(p.safeMagnitude).toBeGreaterThan(1e20)
    expect(p.safeMagnitude).toBeLessThan(1e30)
    // Weights multiply it: a row of 1000 ones takes inputs 1000× smaller.
    const weighted = resolveSpec({
      neurons: 2,
      weights: { data: new Float32Array(2000).fill(1), shape: [2, 1000] },
    })
    const w = plan(weighted, seq(100), 'cpu', LIMITS)
    if (w.engine !== 'graph') throw new Error('expected a graph plan')
    expect(w.safeMagnitude).toBeCloseTo(p.safeMagnitude / 1000, -20)
  })

  describe('step chunks (the unrolled-steps graph, C steps a call)', () => {
    const CHUNKS: EngineLimits = { ...LIMITS, stepChunkMinWork: 500, stepChunkSteps: 8 }
    const chunks = (work: number, batchRank: number, recordCurrents = false) => ({
      engine: 'step-chunks',
      session: { graph: 'steps', batchRank, work, steps: 8, ...(recordCurrents ? { recordCurrents } : {}) },
    })

    it('CPU runs from stepChunkMinWork, ahead of step sessions and the chunked parallel graph', () => {
      // 500 and 5000 elements: the chunked parallel graph and the step sessions without it.
      for (const [neurons, batch] of [
        [500, []],
        [250, [2]],
        [5000, []],
        [10, [10, 60]],
      ] as const) {
        const spec = resolveSpec({ neurons })
        const work = neurons * batch.reduce((p: number, d: number) => p * d, 1)
        expect(plan(spec, seq(50, [...batch]), 'cpu', CHUNKS)).toEqual(chunks(work, batch.length))
      }
      // Per-neuron parameters and accuracy-bound layers too: it is Norse's order, exact.
      const slow = resolveSpec({ neurons: 600, dt: 1e-4, params: { tauMemInv: 1, tauSynInv: 1 } })
      expect(plan(slow, seq(100_000), 'cpu', CHUNKS)).toEqual(chunks(600, 0))
      const perNeuron = resolveSpec({ neurons: 600, params: { vLeak: new Float32Array(600).fill(1) } })
      expect(plan(perNeuron, seq(50), 'cpu', CHUNKS)).toEqual(chunks(600, 0))
    })

    it('below stepChunkMinWork, without the limit, on a GPU, for steps and weighted layers: as before', () => {
      const weighted = resolveSpec({
        neurons: 600,
        weights: { data: new Float32Array(600 * 3), shape: [600, 3] },
      })
      expect(plan(weighted, seq(50), 'cpu', CHUNKS)).toEqual(plan(weighted, seq(50), 'cpu', LIMITS))
      expect(plan(weighted, seq(50, [], true), 'cpu', CHUNKS).engine).toBe('stepping')
      const small = resolveSpec({ neurons: 499 })
      expect(plan(small, seq(50), 'cpu', CHUNKS)).toEqual(plan(small, seq(50), 'cpu', LIMITS))
      expect(plan(small, seq(50), 'cpu', CHUNKS)).toMatchObject({ session: { graph: 'parallel' } })
      const wide = resolveSpec({ neurons: 5000 })
      expect(plan(wide, seq(50), 'cpu', LIMITS).engine).toBe('step-sessions')
      expect(plan(wide, seq(50), 'gpu', CHUNKS)).toEqual(plan(wide, seq(50), 'gpu', LIMITS))
      expect(plan(wide, { mode: 'step', steps: 1, batch: [] }, 'cpu', CHUNKS).engine).toBe('step-session')
      expect(plan(wide, seq(0), 'cpu', CHUNKS).engine).toBe('stepping')
    })

    it('recordStates wider than jsStepMaxWork: chunks that output every current; the JS loop below', () => {
      expect(plan(resolveSpec({ neurons: 600 }), seq(50, [], true), 'cpu', CHUNKS)).toEqual(
        chunks(600, 0, true),
      )
      const CHUNKS_BELOW_JS: EngineLimits = { ...CHUNKS, jsStepMaxWork: 1000 }
      expect(plan(resolveSpec({ neurons: 600 }), seq(50, [], true), 'cpu', CHUNKS_BELOW_JS)).toEqual({
        engine: 'stepping',
        each: { engine: 'js-step' },
      })
    })

    it('a chunk length must come with the limit', () => {
      const broken: EngineLimits = { ...LIMITS, stepChunkMinWork: 1 }
      expect(() => plan(resolveSpec({ neurons: 4 }), seq(10), 'cpu', broken)).toThrow(/stepChunkSteps/)
    })

    it('calls: whole chunks, then the remainder in descending powers of two, never padded', () => {
      expect(stepChunkLengths(30, 8)).toEqual([8, 8, 8, 4, 2])
      expect(stepChunkLengths(1000, 8)).toEqual(new Array(125).fill(8))
      expect(stepChunkLengths(7, 8)).toEqual([4, 2, 1])
      expect(stepChunkLengths(1, 8)).toEqual([1])
      expect(stepChunkLengths(0, 8)).toEqual([])
      expect(stepChunkLengths(23, 6)).toEqual([6, 6, 6, 4, 1])
      for (let steps = 0; steps < 70; steps++) {
        const lengths = stepChunkLengths(steps, 16)
        expect(lengths.reduce((a, b) => a + b, 0)).toBe(steps)
        expect(new Set(lengths.filter((n) => n < 16)).size).toBe(lengths.filter((n) => n < 16).length)
      }
    })
  })

  it('is pure: the same arguments give equal plans', () => {
    const spec = resolveSpec({ neurons: 7 })
    expect(plan(spec, seq(33, [3]), 'cpu', LIMITS)).toEqual(plan(spec, seq(33, [3]), 'cpu', LIMITS))
  })
})
