import { jsBackend } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { C_REFERENCES, compileCLimit, measureCLimit, measureCReferences } from '../src/c-limit.js'
import { norseFigures } from '../src/norse.js'
import { measure } from '../src/timing.js'
import {
  inputShape,
  makeWorkload,
  neuronSteps,
  WORKLOADS,
  type Workload,
  workloadsNamed,
} from '../src/workloads.js'

const byName = (name: string) => workloadsNamed([name])[0] as Workload

describe('benchmark harness', () => {
  it('has the anchor workloads with their shapes', () => {
    expect(inputShape(byName('ff-1e5'))).toEqual([1000, 100_000])
    expect(inputShape(byName('weighted-256'))).toEqual([500, 64, 256])
    expect(neuronSteps(byName('weighted-1024'))).toBe(200 * 256 * 1024)
    for (const w of WORKLOADS) expect(norseFigures(w).length).toBeGreaterThan(0)
  })
  it("picks the workloads a script's arguments name: all for none, an Error naming an unknown one", () => {
    expect(workloadsNamed([]).map((w) => w.name)).toEqual(WORKLOADS.map((w) => w.name))
    expect(workloadsNamed(['step-1e3', 'ff-1e5']).map((w) => w.name)).toEqual(['step-1e3', 'ff-1e5'])
    expect(() => workloadsNamed(['ff-1e5', 'ff-1e4'])).toThrow(
      /unknown workload ff-1e4; known: ff-1e3, ff-1e5/,
    )
  })
  it('makes inputs a layer accepts (spikes are 0/1)', async () => {
    const w = { ...byName('weighted-256'), steps: 3, batch: 2 }
    const { spec, input } = makeWorkload(w)
    expect(new Set(input.data)).toEqual(new Set([0, 1]))
    const layer = await jsBackend.createLayer(spec)
    const { voltages } = await layer.run(input)
    expect(voltages.shape).toEqual([3, 2, 256])
  })
  it('measures median and spread over repetitions', async () => {
    let calls = 0
    const t = await measure(() => calls++, { warmup: 2, repetitions: 5, batch: 3 })
    expect(calls).toBe(2 + 5 * 3)
    expect(t.repetitions).toBe(5)
    expect(t.min).toBeLessThanOrEqual(t.median)
    expect(t.median).toBeLessThanOrEqual(t.max)
  })
  it('compiles and runs the C limit, or names why not', () => {
    const probe = compileCLimit()
    const limit = measureCLimit(10, 1000, { threads: 1, repetitions: 1 })
    if (probe.ok) expect('byThreads' in limit && (limit.byThreads[0] ?? 0) > 0).toBe(true)
    else expect('reason' in limit && limit.reason.length > 0).toBe(true)
  })
  it('measures the three C references in one run and names the best', () => {
    const refs = measureCReferences(10, 1000, { threads: 1, repetitions: 1 })
    if (!compileCLimit().ok) {
      expect('reason' in refs && refs.reason.length > 0).toBe(true)
      return
    }
    if ('reason' in refs) throw new Error(refs.reason)
    expect(refs.references.map((r) => r.name)).toEqual([...C_REFERENCES])
    for (const r of refs.references) expect(r.best).toBeGreaterThan(0)
    const fastest = Math.max(...refs.references.map((r) => r.best))
    expect(refs.best.neuronStepsPerSecond).toBe(fastest)
    expect(refs.references.find((r) => r.name === refs.best.name)?.best).toBe(fastest)
  })
})
