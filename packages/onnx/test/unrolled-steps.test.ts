/**
 * The unrolled-steps graph (C steps a call, the state carried between calls) on both real runtimes,
 * over every golden and synthetic case: a run in chunks of C = 4 (the remainder in power-of-two
 * chunks, as the runtime issues them) equals core's `simulate` bit for bit on feed-forward cases and
 * is within 1e-5 of Norse on every case; and what the graph holds: no Identity copies, one input
 * per step's x and one output per step's v.
 */
import { simulate } from '@leaky/core'
import { goldenError } from '@leaky/core/conformance'
import { describe, expect, it } from 'vitest'
import { buildUnrolledStepsGraph, encodeModel, STEPS_IO } from '../src/index.js'
import { stepChunkLengths } from '../src/runtime/index.js'
import { goldenCases, syntheticCases, type TestCase } from './cases.js'
import { RUNTIMES, type Runtime, type Session } from './runtimes.js'

const cases = [...goldenCases(), ...syntheticCases()]
const CHUNK = 4

/** Runs a case through unrolled-steps sessions of C = CHUNK and the remainder lengths. */
async function runInChunks(c: TestCase, runtime: Runtime, recordCurrents: boolean) {
  const { golden } = c
  const stateShape = golden.initial.v.shape
  const size = golden.initial.v.data.length
  const rowIn = golden.input.data.length / c.steps
  const batchDims = Array.from({ length: c.batchRank }, (_, k) => `batch${k}`)
  const sessions = new Map<number, Session>()
  const voltages = new Float32Array(c.steps * size)
  const currents = new Float32Array(c.steps * size)
  let v = golden.initial.v.data.slice()
  let i = golden.initial.i.data.slice()
  let t0 = 0
  try {
    for (const n of stepChunkLengths(c.steps, CHUNK)) {
      let session = sessions.get(n)
      if (!session) {
        const g = buildUnrolledStepsGraph(c.spec, { steps: n, batchDims, recordCurrents })
        session = await runtime.createSession(encodeModel(g))
        sessions.set(n, session)
      }
      const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {
        [STEPS_IO.v]: { data: v, dims: stateShape },
        [STEPS_IO.i]: { data: i, dims: stateShape },
      }
      for (let t = 0; t < n; t++) {
        const x = golden.input.data.subarray((t0 + t) * rowIn, (t0 + t + 1) * rowIn)
        feeds[STEPS_IO.x(t)] = { data: x, dims: golden.input.shape.slice(1) }
      }
      const out = await session.run(feeds)
      for (let t = 0; t < n; t++) {
        voltages.set(out[STEPS_IO.vAfter(t)] as Float32Array, (t0 + t) * size)
        if (recordCurrents) currents.set(out[STEPS_IO.iAfter(t)] as Float32Array, (t0 + t) * size)
        else expect(out[STEPS_IO.iAfter(t)] === undefined).toBe(t < n - 1)
      }
      v = (out[STEPS_IO.vAfter(n - 1)] as Float32Array).slice()
      i = (out[STEPS_IO.iAfter(n - 1)] as Float32Array).slice()
      t0 += n
    }
  } finally {
    for (const s of sessions.values()) await s.release()
  }
  return {
    outputs: { data: voltages, shape: golden.outputs.shape },
    final: { v: { data: v, shape: stateShape }, i: { data: i, shape: stateShape } },
    currents,
  }
}

describe.each(RUNTIMES.map((r) => [r.name, r] as const))('unrolled steps (C = 4) on %s', (_, runtime) => {
  it.each(cases.map((c) => [c.golden.name, c] as const))(
    '%s: Norse within 1e-5, js bit for bit',
    async (_n, c) => {
      const record = c.golden.name.includes('state')
      const result = await runInChunks(c, runtime, record)
      expect(goldenError(c.golden, result.outputs, result.final)).toBeLessThanOrEqual(1e-5)
      if (c.spec.kind !== 'feed-forward') return
      const reference = simulate(c.spec, c.golden.input, c.golden.initial, { recordStates: true })
      expect(result.outputs.data).toEqual(reference.voltages.data)
      expect(result.final.i.data).toEqual(reference.state.i.data)
      if (record) expect(result.currents).toEqual(reference.states?.i.data)
    },
  )
})

describe('the unrolled-steps graph', () => {
  const c = cases.find((k) => k.spec.kind === 'feed-forward') as TestCase
  it('is Norse step nodes only: 7 a step, no Identity, one x input and one v output per step', () => {
    for (const steps of [1, 3, 8]) {
      const graph = buildUnrolledStepsGraph(c.spec, { steps }).build()
      const ops = (graph.node ?? []).map((n) => n.opType)
      expect(ops.length).toBe(7 * steps)
      expect(ops).not.toContain('Identity')
      const xs = Array.from({ length: steps }, (_, t) => STEPS_IO.x(t))
      expect((graph.input ?? []).map((t) => t.name)).toEqual([...xs, STEPS_IO.v, STEPS_IO.i])
      const vs = Array.from({ length: steps }, (_, t) => STEPS_IO.vAfter(t))
      expect((graph.output ?? []).map((t) => t.name)).toEqual([...vs, STEPS_IO.iAfter(steps - 1)])
    }
  })
  it('refuses a chunk that is not a whole number of steps ≥ 1', () => {
    for (const steps of [0, -1, 1.5, Number.NaN]) {
      expect(() => buildUnrolledStepsGraph(c.spec, { steps })).toThrow(/integer ≥ 1/)
    }
  })
})
