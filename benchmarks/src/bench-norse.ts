/**
 * leaky beside Norse on this machine, in one run: for each anchor workload, Norse's own
 * li_feed_forward_step / li_step loop (Debian's torch 1.13 on OpenBLAS, 2 threads; norse/setup.sh
 * makes the venv), then wasm-simd on the same shapes, with the caller's arrays and zero-copy. The
 * weighted workloads also time node-cpu (onnxruntime's MatMul for x·Wᵀ) on the caller's arrays and
 * name the backend `auto` picks for them, so the line shows whether it picks the fastest.
 *   bash benchmarks/norse/setup.sh && pnpm bench:norse [workload ...]
 * Not part of the test command: it takes minutes.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeCpuBackend } from '@leaky/backend-node'
import { findWorkload, makeWorkload, measure, neuronSteps, type Workload } from '@leaky/bench'
import { type Layer, type StateHandle, selectBackend, type Tensor } from '@leaky/core'
import { wasmSimdBackend } from '@leaky/wasm-simd'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const python = process.env.LEAKY_NORSE_PYTHON ?? join(root, '.venv-norse', 'bin', 'python')
const script = join(root, 'benchmarks', 'norse', 'norse_timings.py')
const format = (x: number) => x.toExponential(2)
const NAMES = ['ff-1e3', 'ff-1e5', 'ff-1e6', 'weighted-256', 'weighted-1024', 'step-1e3']

/** Neuron-steps per second of node-cpu on `w` with the caller's arrays. */
async function nodeCpu(w: Workload): Promise<number> {
  const { spec, input } = makeWorkload(w)
  const layer = await nodeCpuBackend.createLayer(spec)
  try {
    const output = new Float32Array(neuronSteps(w))
    const t = await measure(() => layer.run(input, undefined, { output }), { warmup: 1, repetitions: 3 })
    return neuronSteps(w) / t.median
  } finally {
    await layer.dispose()
  }
}

/** The backend `auto` picks for `w` (registered by the imports above: node-*, wasm-simd, js). */
async function autoPick(w: Workload): Promise<string> {
  const workload = {
    neurons: w.neurons,
    steps: w.steps,
    batch: w.batch,
    inputs: w.inputs,
    weighted: w.weighted,
  }
  return (await selectBackend({ prefer: 'auto', workload })).name
}

function norse(name: string): Record<string, number | string>[] {
  const out = execFileSync(python, [script, '2', name], { encoding: 'utf8', maxBuffer: 1 << 20 })
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

async function leaky(w: Workload): Promise<{ caller: number; zeroCopy?: number }> {
  const { spec, input } = makeWorkload(w)
  const layer = (await wasmSimdBackend.createLayer(spec)) as Layer & { allocate(s: number[]): Tensor }
  try {
    if (w.mode === 'step') {
      let state: StateHandle | undefined
      const t = await measure(
        async () => {
          const r = await layer.step(input, state)
          state?.dispose()
          state = r.state
        },
        { warmup: 5000, repetitions: 9, batch: 5000 },
      )
      return { caller: t.median }
    }
    const repetitions = neuronSteps(w) > 5e7 ? 3 : 5
    const output = new Float32Array(neuronSteps(w))
    const caller = await measure(() => layer.run(input, undefined, { output }), { warmup: 1, repetitions })
    const x = layer.allocate([...input.shape])
    x.data.set(input.data)
    const out = layer.allocate([w.steps, w.batch, w.neurons])
    const zero = await measure(() => layer.run(x, undefined, { output: out.data }), {
      warmup: 1,
      repetitions,
    })
    return { caller: neuronSteps(w) / caller.median, zeroCopy: neuronSteps(w) / zero.median }
  } finally {
    await layer.dispose()
  }
}

if (!existsSync(python)) {
  console.error(`no Norse venv at ${python}: run bash benchmarks/norse/setup.sh first`)
  process.exit(1)
}
const names = process.argv.slice(2).length ? process.argv.slice(2) : NAMES
for (const name of names) {
  const w = findWorkload(name)
  if (!w) throw new Error(`unknown workload ${name}`)
  const [machine, figure] = norse(name) as [Record<string, number | string>, Record<string, number>]
  const ours = await leaky(w)
  const load = loadavg()[0]?.toFixed(2)
  if (w.mode === 'step') {
    const n = figure.seconds_per_step as number
    console.log(
      `${name.padEnd(13)} Norse ${(n * 1e6).toFixed(2)} µs/step | wasm-simd layer.step ${(ours.caller * 1e6).toFixed(2)} µs/step → ${(n / ours.caller).toFixed(2)}× Norse (load ${load})`,
    )
    continue
  }
  const n = figure.neuron_steps_per_s as number
  let others = ''
  if (w.weighted) {
    const cpu = await nodeCpu(w)
    others = `; node-cpu ${format(cpu)} caller arrays → ${(cpu / n).toFixed(2)}×; auto picks ${await autoPick(w)}`
  }
  console.log(
    `${name.padEnd(13)} Norse ${format(n)} neuron-steps/s (torch ${machine.torch}, ${machine.threads} threads, matmul ${(machine.matmul_1024_gflops as number).toFixed(0)} GFLOP/s) | ` +
      `wasm-simd ${format(ours.caller)} caller arrays → ${(ours.caller / n).toFixed(2)}× Norse; ` +
      `${format(ours.zeroCopy ?? Number.NaN)} zero-copy → ${((ours.zeroCopy ?? Number.NaN) / n).toFixed(2)}×${others} (load ${load})`,
  )
}
