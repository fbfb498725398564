/**
 * leaky beside Norse on this machine, in one run: for each anchor workload, Norse's own
 * li_feed_forward_step / li_step loop (Debian's torch 1.13 on OpenBLAS, 2 threads; norse/setup.sh
 * makes the venv), then wasm-simd on the same shapes, with the caller's arrays and zero-copy. The
 * weighted workloads also time node-cpu (onnxruntime's MatMul for x·Wᵀ) on the caller's arrays and
 * name the backend `auto` picks, so the line shows whether it picks the fastest.
 *   bash benchmarks/norse/setup.sh && pnpm bench:norse [workload ...]
 * Not part of the test command: it takes minutes.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeCpuBackend } from '@leaky/backend-node'
import { makeWorkload, measure, neuronSteps, type Workload, workloadsNamed } from '@leaky/bench'
import { type Layer, type StateHandle, selectBackend, type Tensor } from '@leaky/core'
import { wasmSimdBackend } from '@leaky/wasm-simd'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const python = process.env.LEAKY_NORSE_PYTHON ?? join(root, '.venv-norse', 'bin', 'python')
const script = join(root, 'benchmarks', 'norse', 'norse_timings.py')
const format = (x: number) => x.toExponential(2)

/** The backend `auto` picks for `w` (registered by the imports above: node-*, wasm-simd, js). */
async function autoPick(w: Workload): Promise<string> {
  const workload = {
    neurons: w.neurons,
    steps: w.steps,
    batch: w.batch,
    inputs: w.inputs,
    weighted: w.weighted,
    ...(w.spikeProbability !== undefined ? { inputDensity: w.spikeProbability } : {}),
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

/** Seconds of each run, interleaved round by round (so the machine's load falls on all alike); medians. */
async function interleaved(runs: Record<string, () => Promise<unknown>>, rounds: number) {
  const seconds: Record<string, number[]> = {}
  for (const [name, run] of Object.entries(runs)) {
    // Two warm-up runs: V8 tiers wasm and JS up over the first runs of a call.
    await run()
    await run()
    seconds[name] = []
  }
  for (let r = 0; r < rounds; r++)
    for (const [name, run] of Object.entries(runs)) {
      const t0 = performance.now()
      await run()
      seconds[name]?.push((performance.now() - t0) / 1e3)
    }
  const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1] as number
  return Object.fromEntries(Object.entries(seconds).map(([name, v]) => [name, median(v)]))
}

/**
 * wasm-simd with the caller's arrays and zero-copy (medians of runs taken in turn), and on a
 * weighted workload node-cpu with the caller's arrays, as neuron-steps/s; or seconds per step.
 */
async function leaky(w: Workload): Promise<{ caller: number; zeroCopy?: number; nodeCpu?: number }> {
  const { spec, input } = makeWorkload(w)
  const layer = (await wasmSimdBackend.createLayer(spec)) as Layer & { allocate(s: number[]): Tensor }
  const cpu = w.weighted && w.mode !== 'step' ? await nodeCpuBackend.createLayer(spec) : undefined
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
    const output = new Float32Array(neuronSteps(w))
    const x = layer.allocate([...input.shape])
    x.data.set(input.data)
    const out = layer.allocate([w.steps, w.batch, w.neurons])
    const rounds = neuronSteps(w) > 5e7 ? 3 : 5
    const t = await interleaved(
      {
        caller: () => layer.run(input, undefined, { output }),
        zeroCopy: () => layer.run(x, undefined, { output: out.data }),
      },
      rounds,
    )
    // node-cpu after, not in turn: onnxruntime's threads spin for a while after a run, which slowed
    // the wasm-simd run that followed it by up to 2×.
    const c = cpu ? await interleaved({ nodeCpu: () => cpu.run(input, undefined, { output }) }, rounds) : {}
    const rate = (s: number | undefined) => (s === undefined ? undefined : neuronSteps(w) / s)
    return { caller: rate(t.caller) as number, zeroCopy: rate(t.zeroCopy), nodeCpu: rate(c.nodeCpu) }
  } finally {
    await layer.dispose()
    await cpu?.dispose()
  }
}

if (!existsSync(python)) {
  console.error(`no Norse venv at ${python}: run bash benchmarks/norse/setup.sh first`)
  process.exit(1)
}
for (const w of workloadsNamed(process.argv.slice(2))) {
  const name = w.name
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
  const others =
    ours.nodeCpu === undefined
      ? ''
      : `; node-cpu ${format(ours.nodeCpu)} caller arrays → ${(ours.nodeCpu / n).toFixed(2)}×; auto picks ${await autoPick(w)}`
  console.log(
    `${name.padEnd(13)} Norse ${format(n)} neuron-steps/s (torch ${machine.torch}, ${machine.threads} threads, matmul ${(machine.matmul_1024_gflops as number).toFixed(0)} GFLOP/s) | ` +
      `wasm-simd ${format(ours.caller)} caller arrays → ${(ours.caller / n).toFixed(2)}× Norse; ` +
      `${format(ours.zeroCopy ?? Number.NaN)} zero-copy → ${((ours.zeroCopy ?? Number.NaN) / n).toFixed(2)}×${others} (load ${load})`,
  )
}
