/**
 * The GPU part of the check that `leaky` itself cannot run yet: webgpu-wgsl is not in the CLI's
 * registry until the backend-declaration API lands, and the T=100 N=1e7 case is not an anchor
 * workload. For each GPU backend and case: correctness against the js backend on the first steps,
 * then the time of run() (host arrays in and out) and, for webgpu-wgsl, of one resident pass (data
 * already on the GPU: the kernel against the memory roofline). Golden replay on webgpu-wgsl too.
 * Every rate is set beside the HBM roofline (8 B a neuron-step at --bandwidth) and Norse's H200 figures.
 *
 *   node gpu-bench.mjs --out DIR [--quick] [--bandwidth 4.8e12] [--golden FILE]...
 */
import '@leaky/backend-node'
import { mkdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { findWorkload, makeWorkload, measure, neuronSteps, norseFigures, type Workload } from '@leaky/bench'
import { type Backend, getBackend, jsBackend, type Layer, relativeError, resolveSpec } from '@leaky/core'
import { verifyBackend } from '@leaky/core/conformance'
import { bundledGoldenPath, readGoldenFile } from '@leaky/core/conformance/node'
import { chooseGpuGraph, fusedKernelBytes, layerTraffic } from '@leaky/onnx'
import { type WgslLayer, webgpuWgslBackend } from '@leaky/webgpu-wgsl'

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    quick: { type: 'boolean' },
    bandwidth: { type: 'string' },
    golden: { type: 'string', multiple: true },
    backend: { type: 'string' },
  },
})
if (!values.out) throw new Error('--out DIR is required')
const quick = values.quick ?? false
const bandwidth = Number(values.bandwidth ?? 4.8e12)
const CHECK_STEPS = 16

const anchor = (name: string): Workload => {
  const w = findWorkload(name)
  if (!w) throw new Error(`no anchor workload ${name}`)
  return w
}
const FULL: Workload[] = [
  anchor('ff-1e5'),
  anchor('ff-1e6'),
  {
    ...anchor('ff-1e6'),
    name: 'ff-1e7-T100',
    description: 'feed-forward layer T=100, N=1e7',
    steps: 100,
    neurons: 1e7,
    inputs: 1e7,
  },
  anchor('weighted-1024'),
  anchor('step-1e3'),
]
/** --quick: the same kinds of case, small enough for SwiftShader in seconds. */
const QUICK: Record<string, Partial<Workload>> = {
  'ff-1e5': { steps: 20, neurons: 10_000, inputs: 10_000 },
  'ff-1e6': { steps: 10, neurons: 20_000, inputs: 20_000 },
  'ff-1e7-T100': { steps: 4, neurons: 50_000, inputs: 50_000 },
  'weighted-1024': { steps: 2, batch: 8 },
  'step-1e3': {},
}
const cases = FULL.map((w) => (quick ? { ...w, ...QUICK[w.name] } : w))

/** Bytes a neuron-step the traffic model gives the graph or kernel this backend runs. */
function modelBytes(backend: string, w: Workload): { graph: string; bytes: number } {
  if (backend === 'webgpu-wgsl')
    return { graph: `fused WGSL ${w.weighted ? 'matmul + ' : ''}${w.mode}`, bytes: fusedKernelBytes(w) }
  const small = w.weighted
    ? w
    : { ...w, neurons: Math.min(w.neurons, 10_000), inputs: Math.min(w.inputs, 10_000) }
  const spec = resolveSpec(makeWorkload({ ...small, steps: 1, batch: 1 }).spec)
  const batch = w.batch > 1 ? [w.batch] : []
  if (w.mode === 'step')
    return { graph: 'onnx step', bytes: layerTraffic(spec, 'step', { steps: 1, batch }).bytesPerNeuronStep }
  const choice = chooseGpuGraph(spec, { steps: w.steps, batch })
  return { graph: `onnx ${choice.graph}`, bytes: choice.candidates[0]?.bytesPerNeuronStep ?? Number.NaN }
}

interface Row {
  backend: string
  workload: string
  shape: { steps: number; batch: number; inputs: number; neurons: number }
  correct: boolean
  error: number | null
  note?: string
  runNeuronStepsPerSecond?: number
  residentNeuronStepsPerSecond?: number
  model: { graph: string; bytesPerNeuronStep: number }
  ratioToRoofline?: number
  ratioToNorseH200?: number
}

async function benchCase(backend: Backend, w: Workload): Promise<Row> {
  const row: Row = {
    backend: backend.name,
    workload: w.name,
    shape: { steps: w.steps, batch: w.batch, inputs: w.inputs, neurons: w.neurons },
    correct: false,
    error: null,
    model: { graph: '', bytesPerNeuronStep: Number.NaN },
  }
  try {
    const m = modelBytes(backend.name, w)
    row.model = { graph: m.graph, bytesPerNeuronStep: m.bytes }
  } catch (error) {
    row.note = `no traffic model: ${(error as Error).message}`
  }
  const check = makeWorkload({
    ...w,
    mode: 'sequence',
    steps: Math.min(CHECK_STEPS, w.mode === 'step' ? CHECK_STEPS : w.steps),
  })
  let layer: Layer | undefined
  try {
    layer = await backend.createLayer(check.spec)
    const reference = await jsBackend.createLayer(check.spec)
    const expected = (await reference.run(check.input)).voltages.data
    await reference.dispose()
    const got = (await layer.run(check.input)).voltages.data
    row.error = relativeError(got, expected)
    row.correct = row.error <= layer.tolerance.run
    if (!row.correct) return row
    const l = layer
    let rate: number
    if (w.mode === 'step') {
      const x = { data: check.input.data.subarray(0, w.batch * w.inputs), shape: check.input.shape.slice(1) }
      let state: Awaited<ReturnType<Layer['step']>>['state'] | undefined
      const batch = quick ? 50 : 2000
      const t = await measure(
        async () => {
          const r = await l.step(x, state)
          state?.dispose()
          state = r.state
        },
        { warmup: batch, repetitions: quick ? 3 : 9, batch },
      )
      rate = (w.batch * w.neurons) / t.median
    } else {
      const { input } = makeWorkload(w)
      const output = new Float32Array(neuronSteps(w))
      const t = await measure(() => l.run(input, undefined, { output }), {
        warmup: 1,
        repetitions: quick ? 2 : 5,
      })
      rate = neuronSteps(w) / t.median
      if (backend.name === 'webgpu-wgsl') {
        const seconds = await (l as WgslLayer)
          .timeResidentPass(w.steps, w.batch, quick ? 2 : 5)
          .catch((e: Error) => {
            row.note = `resident pass not timed: ${e.message}`
            return undefined
          })
        if (seconds !== undefined) row.residentNeuronStepsPerSecond = neuronSteps(w) / seconds
      }
    }
    row.runNeuronStepsPerSecond = rate
    const best = Math.max(rate, row.residentNeuronStepsPerSecond ?? 0)
    row.ratioToRoofline = best / (bandwidth / 8)
    const norse = norseFigures(findWorkload(w.name) ?? w).find((f) => /H200|cuda|gpu/i.test(f.device))
    const norseRate =
      norse?.neuronStepsPerSecond ?? (norse?.secondsPerStep ? w.neurons / norse.secondsPerStep : undefined)
    if (norseRate && !quick) row.ratioToNorseH200 = best / norseRate
  } catch (error) {
    row.correct = false
    row.note = `failed: ${(error as Error).message.split('\n')[0]}`
  } finally {
    await layer?.dispose()
  }
  return row
}

const backends: Backend[] = []
const unavailable: { backend: string; reason: string }[] = []
for (const name of (values.backend ?? 'webgpu-wgsl,node-webgpu').split(',')) {
  try {
    const b = name === 'webgpu-wgsl' ? webgpuWgslBackend : await getBackend(name)
    const a = await b.available()
    if (a.ok) backends.push(b)
    else unavailable.push({ backend: name, reason: a.reason })
  } catch (error) {
    unavailable.push({ backend: name, reason: (error as Error).message })
  }
}

const goldenPaths = values.golden?.length ? values.golden : [bundledGoldenPath()]
const golden: { backend: string; file: string; cases: number; failed: string[] }[] = []
let adapter: string | undefined
if (backends.includes(webgpuWgslBackend)) {
  const probe = (await webgpuWgslBackend.createLayer({ neurons: 1 })) as WgslLayer
  adapter = probe.adapter
  await probe.dispose()
  for (const file of goldenPaths) {
    const rows = await verifyBackend(webgpuWgslBackend, readGoldenFile(file))
    golden.push({
      backend: 'webgpu-wgsl',
      file,
      cases: rows.length,
      failed: rows.filter((r) => !r.pass).map((r) => `${r.case} (${r.mode}): ${r.error}`),
    })
  }
}

const rows: Row[] = []
for (const w of cases) {
  for (const b of backends) {
    process.stderr.write(`gpu-bench: ${w.name} on ${b.name}\n`)
    const r = await benchCase(b, w)
    rows.push(r)
    process.stderr.write(
      `  ${r.correct ? 'ok' : 'WRONG/FAILED'} error ${r.error?.toExponential(1) ?? '-'}; run ${r.runNeuronStepsPerSecond?.toExponential(2) ?? '-'}` +
        `${r.residentNeuronStepsPerSecond ? `, resident ${r.residentNeuronStepsPerSecond.toExponential(2)}` : ''} neuron-steps/s` +
        `${r.ratioToRoofline !== undefined ? `, ${(100 * r.ratioToRoofline).toFixed(2)}% of the roofline` : ''}${r.note ? `; ${r.note}` : ''}\n`,
    )
  }
}

const report = {
  host: hostname(),
  date: new Date().toISOString(),
  node: process.versions.node,
  quick,
  adapter: adapter ?? null,
  bandwidth,
  roofline: { bytesPerNeuronStep: 8, neuronStepsPerSecond: bandwidth / 8 },
  unavailable,
  golden,
  rows,
}
mkdirSync(values.out, { recursive: true })
const file = join(values.out, 'gpu-bench.json')
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
process.stderr.write(`gpu-bench: wrote ${file}\n`)
const ok = rows.every((r) => r.correct) && golden.every((g) => g.failed.length === 0)
process.exit(ok ? 0 : 1)
