/**
 * node-cpu's sequence engines side by side, through its layers (each forced by engine limits, timed in
 * rounds of every engine in turn, median per engine), on the
 * feed-forward workloads, beside the C references measured in the same run: one step-session call
 * per time step, the Scan graph, the chunked parallel graph, the unrolled-steps graph at C = 4, 8, 16
 * (one session call per chunk of C steps), and what node-cpu's plan() picks with its shipped limits.
 * The figures behind NODE_LIMITS' stepChunk* (packages/backend-node/src/declarations.ts).
 *
 *   pnpm bench:engines [workload | N ...]    default: ff-1e3 ff-1e5 ff-1e6; a number N: T=1000, N neurons
 */
import { loadavg } from 'node:os'
import { NODE_LIMITS, type NodeLayer, nodeBackends } from '@leaky/backend-node'
import {
  bestCFigure,
  describeCReferences,
  findWorkload,
  makeWorkload,
  measure,
  measureCReferences,
  neuronSteps,
  type Workload,
} from '@leaky/bench'
import { backendFor } from '@leaky/core/backend'
import type { EngineLimits } from '@leaky/onnx/runtime'

const NEVER = Number.POSITIVE_INFINITY
/** Today's engines without the unrolled steps, and the unrolled steps at several C. */
const ENGINES: { name: string; limits: Partial<EngineLimits> }[] = [
  { name: 'step session per step', limits: { stepChunkMinWork: NEVER, stepSessionMinWork: 0 } },
  { name: 'Scan', limits: { stepChunkMinWork: NEVER, stepSessionMinWork: NEVER, chunkedMaxWork: 0 } },
  {
    name: 'parallel chunked',
    limits: { stepChunkMinWork: NEVER, stepSessionMinWork: NEVER, chunkedMaxWork: NEVER },
  },
  ...[4, 8, 16].map((C) => ({
    name: `unrolled steps C=${C}`,
    limits: { stepChunkMinWork: 0, stepChunkSteps: C },
  })),
  { name: "node-cpu's plan (NODE_LIMITS)", limits: {} },
]
const OLD = new Set(['step session per step', 'Scan', 'parallel chunked'])

const names = process.argv.slice(2)
const e = (x: number) => x.toExponential(2)
console.log(
  `node-cpu sequence engines, feed-forward, Norse defaults; neuron-steps/s (median of runs); load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
)
for (const name of names.length ? names : ['ff-1e3', 'ff-1e5', 'ff-1e6']) {
  const neurons = Number(name)
  const w = Number.isInteger(neurons)
    ? { ...(findWorkload('ff-1e3') as Workload), name: `ff N=${neurons}`, neurons, inputs: neurons }
    : findWorkload(name)
  if (!w || w.weighted || w.mode !== 'sequence' || w.batch !== 1)
    throw new Error(`${name}: not a feed-forward sequence workload without batch`)
  const { spec, input } = makeWorkload(w)
  const c = measureCReferences(w.steps, w.neurons, { threads: 2, repetitions: 5 })
  const limit = bestCFigure(c)
  console.log(`\n${name} (T=${w.steps}, N=${w.neurons}): ${describeCReferences(c)}`)
  const output = new Float32Array(neuronSteps(w))
  const layers: NodeLayer[] = []
  for (const engine of ENGINES) {
    const backend = backendFor(nodeBackends.declaration('node-cpu', { limits: engine.limits }))
    const layer = (await backend.createLayer(spec)) as NodeLayer
    await layer.run(input, undefined, { output }) // warm-up: sessions made, pages touched
    layers.push(layer)
  }
  // Rounds of every engine in turn: load that drifts while others work hits all of them alike.
  const rounds = w.neurons >= 1e6 ? 3 : w.neurons >= 1e5 ? 5 : 15
  const samples = ENGINES.map(() => [] as number[])
  for (let round = 0; round < rounds; round++) {
    for (const [k, layer] of layers.entries()) {
      const timing = await measure(() => layer.run(input, undefined, { output }), {
        warmup: 0,
        repetitions: 1,
      })
      samples[k]?.push(timing.median)
    }
  }
  let oldBest = 0
  const rates = new Map<string, number>()
  for (const [k, engine] of ENGINES.entries()) {
    const layer = layers[k] as NodeLayer
    const planned = layer.planFor({ mode: 'sequence', steps: w.steps, batch: [] })
    await layer.dispose()
    const sorted = (samples[k] ?? []).sort((a, b) => a - b)
    const median = sorted[sorted.length >> 1] as number
    const rate = neuronSteps(w) / median
    rates.set(engine.name, rate)
    if (OLD.has(engine.name)) oldBest = Math.max(oldBest, rate)
    const runs =
      planned.engine === 'graph'
        ? `${planned.session.graph}${planned.session.parallel ? ` ${planned.session.parallel}` : ''} graph`
        : planned.engine === 'step-chunks'
          ? `step-chunks C=${planned.session.steps}`
          : planned.engine
    const bestRun = neuronSteps(w) / (sorted[0] as number)
    console.log(
      `  ${engine.name.padEnd(30)} ${e(rate)}  ratio to best C ${(rate / limit).toFixed(3)}  best run ${e(bestRun)} (${runs}; ` +
        `${(median * 1e3).toFixed(1)} ms [${((sorted[0] as number) * 1e3).toFixed(1)}–${((sorted[sorted.length - 1] as number) * 1e3).toFixed(1)}])`,
    )
  }
  const best = Math.max(...[...rates].filter(([n]) => n.startsWith('unrolled')).map(([, r]) => r))
  console.log(
    `  best unrolled / best of the old engines: ${(best / oldBest).toFixed(2)}×; ` +
      `NODE_LIMITS: stepChunkMinWork ${NODE_LIMITS.stepChunkMinWork ?? 'never'}, C=${NODE_LIMITS.stepChunkSteps ?? '—'}`,
  )
}
