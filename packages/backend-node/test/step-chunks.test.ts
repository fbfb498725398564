/**
 * node-cpu's step-chunks engine (one unrolled-steps session call per chunk of C steps, the state
 * carried between calls) through the public layer: bit for bit with the js backend on every
 * feed-forward golden case and on synthetic shapes (T not divisible by C, T < C, batch dims,
 * per-neuron parameters, a start state, recordStates); weighted layers keep their engines; and the
 * conformance kit on a node-cpu whose every feed-forward run takes it.
 */
import { type LayerSpec, mulberry32, resolveSpec, simulate, type Tensor, tensor } from '@leaky/core'
import { backendFor } from '@leaky/core/backend'
import { caseSpec, goldenError } from '@leaky/core/conformance'
import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { describe, expect, it } from 'vitest'
import { NODE_LIMITS, type NodeLayer, nodeBackends, nodeCpuBackend } from '../src/index.js'

/** node-cpu with every run (recordStates too: no JS-loop steps) on step chunks of C steps. */
const chunked = (C: number) =>
  backendFor(
    nodeBackends.declaration('node-cpu', {
      limits: { stepChunkMinWork: 0, stepChunkSteps: C, jsStepMaxWork: 0 },
    }),
  )
const golden = loadGoldenFiles()

const filled = (shape: number[], seed: number, scale = 1): Tensor => {
  const random = mulberry32(seed)
  const size = shape.reduce((p, d) => p * d, 1)
  return tensor(
    Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale),
    shape,
  )
}

describe('step chunks on node-cpu', () => {
  const cases = golden.flatMap((f) => f.cases)
  it.each(cases.filter((c) => c.kind === 'feed_forward').map((c) => [c.name, c] as const))(
    'golden %s: js bit for bit, Norse within 1e-5',
    async (_, c) => {
      for (const C of [NODE_LIMITS.stepChunkSteps as number, 3]) {
        const layer = (await chunked(C).createLayer(caseSpec(c))) as NodeLayer
        const steps = c.input.shape[0] as number
        const batch = c.initial.v.shape.slice(0, -1)
        expect(layer.planFor({ mode: 'sequence', steps, batch, recordStates: true })).toMatchObject({
          engine: 'step-chunks',
          session: { steps: C, recordCurrents: true },
        })
        const ours = await layer.run(c.input, c.initial, { recordStates: true })
        await layer.dispose()
        expect(goldenError(c, ours.voltages, ours.state)).toBeLessThanOrEqual(1e-5)
        const js = simulate(resolveSpec(caseSpec(c)), c.input, c.initial, { recordStates: true })
        expect(ours.voltages.data).toEqual(js.voltages.data)
        expect(ours.state.v.data).toEqual(js.state.v.data)
        expect(ours.state.i.data).toEqual(js.state.i.data)
        expect(ours.states?.i.data).toEqual(js.states?.i.data)
      }
    },
  )

  it('weighted layers keep their engines (one GEMM over every row there, C smaller ones here)', async () => {
    const weighted = cases.filter((c) => c.kind === 'weighted')
    expect(weighted.length).toBeGreaterThan(0)
    for (const c of weighted) {
      const layer = (await chunked(8).createLayer(caseSpec(c))) as NodeLayer
      const steps = c.input.shape[0] as number
      const planned = layer.planFor({ mode: 'sequence', steps, batch: c.initial.v.shape.slice(0, -1) })
      expect(planned.engine).not.toBe('step-chunks')
      await layer.dispose()
    }
  })

  const perNeuron = { tauSynInv: Float32Array.of(100, 200, 300, 900), vLeak: Float32Array.of(0, -1, 0.5, 2) }
  it.each([
    { steps: 37, batch: [], params: {} },
    { steps: 3, batch: [], params: {} },
    { steps: 1, batch: [2], params: perNeuron },
    { steps: 29, batch: [2, 3], params: perNeuron },
    { steps: 64, batch: [5], params: { tauMemInv: 2500 } },
  ])(
    'T=$steps, batch $batch: js bit for bit, with and without recordStates',
    async ({ steps, batch, params }) => {
      const spec: LayerSpec = { neurons: 4, params }
      const shape = [...batch, 4]
      const xs = filled([steps, ...shape], steps, 3)
      const start = { v: filled(shape, 1), i: filled(shape, 2, 5) }
      const js = simulate(resolveSpec(spec), xs, start, { recordStates: true })
      const layer = await chunked(8).createLayer(spec)
      const output = new Float32Array(xs.data.length)
      const plain = await layer.run(xs, start, { output })
      const recorded = await layer.run(xs, start, { recordStates: true })
      // From rest, and continued from a state handle of a step: both paths feed the chunks.
      const fromRest = await layer.run(xs)
      const first = await layer.step(tensor(xs.data.slice(0, xs.data.length / steps), shape))
      const continued = await layer.run(xs, first.state)
      first.state.dispose()
      await layer.dispose()
      expect(plain.voltages.data).toBe(output)
      for (const r of [plain, recorded]) {
        expect(r.voltages.data).toEqual(js.voltages.data)
        expect(r.state.v.data).toEqual(js.state.v.data)
        expect(r.state.i.data).toEqual(js.state.i.data)
      }
      expect(recorded.states?.i.data).toEqual(js.states?.i.data)
      expect(recorded.states?.v.data).toEqual(js.voltages.data)
      expect(fromRest.voltages.data).toEqual(simulate(resolveSpec(spec), xs).voltages.data)
      const afterFirst = simulate(
        resolveSpec(spec),
        tensor(xs.data.slice(0, xs.data.length / steps), [1, ...shape]),
      )
      expect(continued.voltages.data).toEqual(simulate(resolveSpec(spec), xs, afterFirst.state).voltages.data)
    },
  )

  it('is what node-cpu runs from 1e4 elements, and the run of a wide layer is exact', async () => {
    const layer = (await nodeCpuBackend.createLayer({ neurons: 1000 })) as NodeLayer
    expect(layer.planFor({ mode: 'sequence', steps: 1000, batch: [] })).toMatchObject({
      session: { graph: 'parallel' },
    })
    expect(layer.planFor({ mode: 'sequence', steps: 1000, batch: [10] })).toMatchObject({
      engine: 'step-chunks',
      session: { graph: 'steps', steps: 8, work: 10_000 },
    })
    const xs = filled([21, 10, 1000], 7)
    const ours = await layer.run(xs)
    await layer.dispose()
    const js = simulate(resolveSpec({ neurons: 1000 }), xs)
    expect(ours.voltages.data).toEqual(js.voltages.data)
    expect(ours.state.i.data).toEqual(js.state.i.data)
  })
})

await describeConformance('node-cpu conformance, every run on step chunks (C = 3)', {
  backend: async () => chunked(3),
  golden,
})
