/**
 * The figures of issue [3/8 node] for @leaky/backend-node, through the layers users get:
 *   - feed-forward layer T=1000 at N=1e5 and N=1e3 on node-cpu, beside the best C reference of the same run;
 *   - one step at N=1e3 (the JS-loop engine small steps use, and a forced session step);
 *   - weighted layer T=500, batch 64, 256→256: where the time goes (x·Wᵀ MatMul vs the rest), from
 *     onnxruntime's own profile of the graph the layer runs;
 *   - peak extra memory of run(), in a fresh process (VmHWM), against the output's size.
 *
 *   pnpm bench:node
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type NodeLayer, nodeBackends, nodeCpuBackend } from '@leaky/backend-node'
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
import { resolveSpec, type StateHandle } from '@leaky/core'
import { backendFor } from '@leaky/core/backend'
import { layerModel } from '@leaky/onnx'
import ort from 'onnxruntime-node'

const e = (x: number) => x.toExponential(2)
const workload = (name: string) => findWorkload(name) as Workload

function peakRssBytes(): number {
  const line = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/)
  return line ? Number(line[1]) * 1024 : Number.NaN
}

/** Child mode: one run of a workload, printing the peak-RSS growth it caused. */
async function memoryProbe(name: string): Promise<void> {
  const w = workload(name)
  const { spec, input } = makeWorkload(w)
  const layer = await nodeCpuBackend.createLayer(spec)
  // Warm the session on a short sequence so its one-off allocations are not counted.
  await layer.run({
    data: input.data.subarray(0, input.data.length / w.steps),
    shape: [1, ...input.shape.slice(1)],
  })
  const before = peakRssBytes()
  const { voltages } = await layer.run(input)
  const after = peakRssBytes()
  console.log(JSON.stringify({ extra: after - before, output: voltages.data.byteLength }))
}

async function sequenceRate(name: string) {
  const w = workload(name)
  const { spec, input } = makeWorkload(w)
  const layer = (await nodeCpuBackend.createLayer(spec)) as NodeLayer
  const output = new Float32Array(neuronSteps(w))
  const timing = await measure(() => layer.run(input, undefined, { output }), {
    warmup: 1,
    repetitions: w.neurons >= 1e5 ? 5 : 15,
  })
  const graph = engineOf(layer, w)
  await layer.dispose()
  return { rate: neuronSteps(w) / timing.median, timing, graph }
}

async function stepLatency(forceSession: boolean): Promise<number> {
  const w = workload('step-1e3')
  const { spec, input } = makeWorkload(w)
  const backend = forceSession
    ? backendFor(nodeBackends.declaration('node-cpu', { limits: { jsStepMaxWork: 0 } }))
    : nodeCpuBackend
  {
    const layer = await backend.createLayer(spec)
    let state: StateHandle | undefined
    const timing = await measure(
      async () => {
        const next = await layer.step(input, state)
        state?.dispose()
        state = next.state
      },
      { warmup: 500, repetitions: 9, batch: forceSession ? 200 : 2000 },
    )
    await layer.dispose()
    return timing.median
  }
}

/** What the layer's plan runs a workload's sequence on, in words. */
function engineOf(layer: NodeLayer, w: Workload): string {
  const planned = layer.planFor({ mode: 'sequence', steps: w.steps, batch: w.batch > 1 ? [w.batch] : [] })
  if (planned.engine === 'step-sessions') return 'one step session call per time step'
  return planned.engine === 'graph' ? `${planned.session.graph} graph` : planned.engine
}

/** onnxruntime's profile of the weighted layer's graph: kernel time of the x·Wᵀ MatMul vs all. */
async function weightedProfile() {
  const w = workload('weighted-256')
  const { spec, input } = makeWorkload(w)
  const layer = (await nodeCpuBackend.createLayer(spec)) as NodeLayer
  const timing = await measure(() => layer.run(input), { warmup: 1, repetitions: 5 })
  const planned = layer.planFor({ mode: 'sequence', steps: w.steps, batch: [w.batch] })
  const graph = planned.engine === 'graph' ? planned.session.graph : 'sequence'
  await layer.dispose()
  const resolved = resolveSpec(spec)
  const { bytes } = layerModel(
    resolved,
    graph === 'parallel' ? { graph, steps: w.steps, batchRank: 1 } : { graph, batchRank: 1 },
  )
  const prefix = join(tmpdir(), `leaky-profile-${process.pid}`)
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    enableProfiling: true,
    profileFilePrefix: prefix,
  })
  const feeds = {
    xs: new ort.Tensor('float32', input.data, input.shape),
    v0: new ort.Tensor('float32', new Float32Array(w.batch * w.neurons), [w.batch, w.neurons]),
    i0: new ort.Tensor('float32', new Float32Array(w.batch * w.neurons), [w.batch, w.neurons]),
  }
  for (let k = 0; k < 3; k++) await session.run(feeds)
  session.endProfiling()
  await session.release()
  const file = readdirSync(tmpdir())
    .map((f) => join(tmpdir(), f))
    .filter((f) => f.startsWith(prefix))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] as string
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number }[]
  unlinkSync(file)
  let projection = 0
  let total = 0
  const byOp = new Map<string, number>()
  for (const ev of events) {
    if (ev.cat !== 'Node' || !ev.name.endsWith('_kernel_time')) continue
    total += ev.dur
    if (ev.name.startsWith('MatMul_x_weighted')) projection += ev.dur
    const op = (ev as unknown as { args: { op_name: string } }).args.op_name
    byOp.set(op, (byOp.get(op) ?? 0) + ev.dur)
  }
  return {
    rate: neuronSteps(w) / timing.median,
    seconds: timing.median,
    graph,
    outsideShare: 1 - projection / total,
    byOp,
    total,
  }
}

async function main(): Promise<void> {
  const probe = process.argv.indexOf('--memory-probe')
  if (probe >= 0) return memoryProbe(process.argv[probe + 1] as string)

  for (const name of ['ff-1e5', 'ff-1e3']) {
    const w = workload(name)
    const c = measureCReferences(w.steps, w.neurons, { threads: 2, repetitions: 5 })
    const r = await sequenceRate(name)
    const limit = bestCFigure(c)
    console.log(
      `${name.padEnd(8)} node-cpu run (${r.graph}): ${e(r.rate)} neuron-steps/s, median ${(r.timing.median * 1e3).toFixed(2)} ms ` +
        `[${(r.timing.min * 1e3).toFixed(2)}–${(r.timing.max * 1e3).toFixed(2)}]; ${describeCReferences(c)} → ratio to best ${(r.rate / limit).toFixed(3)}`,
    )
  }
  const js = await stepLatency(false)
  const session = await stepLatency(true)
  console.log(
    `step-1e3 node-cpu: ${(js * 1e6).toFixed(2)} µs per step (JS-loop engine); ${(session * 1e6).toFixed(2)} µs with a session call per step`,
  )

  const p = await weightedProfile()
  const ops = [...p.byOp.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([op, us]) => `${op} ${((100 * us) / p.total).toFixed(1)}%`)
  console.log(
    `weighted-256 node-cpu run (${p.graph} graph): ${e(p.rate)} neuron-steps/s, ${(p.seconds * 1e3).toFixed(1)} ms; ` +
      `x·Wᵀ is one MatMul over all T·batch rows; time outside it: ${(100 * p.outsideShare).toFixed(1)}% (kernel time by op: ${ops.join(', ')})`,
  )

  const self = fileURLToPath(import.meta.url)
  for (const name of ['ff-1e5', 'weighted-256']) {
    const out = execFileSync(process.execPath, [self, '--memory-probe', name], { encoding: 'utf8' })
    const { extra, output } = JSON.parse(out.trim().split('\n').pop() as string) as {
      extra: number
      output: number
    }
    console.log(
      `${name.padEnd(8)} peak extra memory of run(): ${(extra / 2 ** 20).toFixed(0)} MiB = ${(extra / output).toFixed(2)} × the output (${(output / 2 ** 20).toFixed(0)} MiB)`,
    )
  }
}

await main()
