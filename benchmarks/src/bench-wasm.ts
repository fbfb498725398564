/**
 * wasm-simd beside js on the anchor workloads, with the three C references measured in the same run
 * (every ratio is to the best of them), the caller's arrays and zero-copy tensors (allocate()):
 *   pnpm bench:wasm [workload ...]      e.g. pnpm bench:wasm ff-1e5 step-1e3
 * (wasm-simd is not in the registry yet, so `leaky bench` cannot run it; this script can.)
 * LEAKY_WASM_THREADS=1 keeps wasm-simd on one thread.
 */
import { loadavg } from 'node:os'
import {
  bestCFigure,
  describeCReferences,
  makeWorkload,
  measure,
  measureCReferences,
  neuronSteps,
  type Workload,
  workloadsNamed,
} from '@leaky/bench'
import { jsBackend, type Layer, relativeError, type StateHandle, type Tensor } from '@leaky/core'
import { wasmSimdBackend } from '@leaky/wasm-simd'

const format = (x: number) => x.toExponential(2)
type Allocating = Layer & { allocate(shape: readonly number[]): Tensor }

async function stepRate(layer: Layer, x: Tensor): Promise<number> {
  let state: StateHandle | undefined
  const timing = await measure(
    async () => {
      const r = await layer.step(x, state)
      state?.dispose()
      state = r.state
    },
    { warmup: 5000, repetitions: 9, batch: 5000 },
  )
  return timing.median
}

async function bench(w: Workload): Promise<void> {
  const { spec, input } = makeWorkload(w)
  const repetitions = neuronSteps(w) > 5e7 ? 3 : 7
  const c = w.weighted
    ? undefined
    : w.mode === 'step'
      ? measureCReferences(1, w.neurons, { threads: 2, repetitions: 1000 })
      : measureCReferences(w.steps, w.batch * w.neurons, { threads: 2, repetitions: 5 })
  const best = c ? bestCFigure(c) : Number.NaN
  console.log(
    `\n${w.name} (${w.description}); load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  if (c) console.log(`  ${describeCReferences(c)}`)
  const ratio = (rate: number) => (c ? ` = ${(rate / best).toFixed(3)} × best C` : '')

  if (w.mode === 'step') {
    const x = input // a step workload makes one step's input
    for (const backend of [wasmSimdBackend, jsBackend]) {
      const layer = await backend.createLayer(spec)
      const seconds = await stepRate(layer, x)
      console.log(
        `  ${backend.name.padEnd(9)} layer.step: ${(seconds * 1e6).toFixed(2)} µs per step = ${format(w.neurons / seconds)} neurons/s${ratio(w.neurons / seconds)}`,
      )
      await layer.dispose()
    }
    return
  }

  const output = new Float32Array(neuronSteps(w))
  if (!w.weighted) {
    // The ceiling of any engine that must copy the caller's arrays into its own memory on one thread
    // (as wasm-simd must: a worker cannot see the caller's ArrayBuffer): x in and v out through 4 MiB
    // tiles of a SharedArrayBuffer, no kernel.
    const tile = new Float32Array(new SharedArrayBuffer(1 << 22))
    const copy = await measure(
      () => {
        for (let at = 0; at < input.data.length; at += tile.length) {
          const n = Math.min(tile.length, input.data.length - at)
          tile.set(input.data.subarray(at, at + n))
          output.set(tile.subarray(0, n), at)
        }
      },
      { warmup: 1, repetitions },
    )
    const crate = neuronSteps(w) / copy.median
    console.log(
      `  copy ceiling (this thread copying x in and v out, no kernel): ${format(crate)} neuron-steps/s${ratio(crate)}`,
    )
  }
  // js takes minutes on the weighted workloads: it only checks the first steps there.
  const backends = w.weighted ? [wasmSimdBackend] : [wasmSimdBackend, jsBackend]
  for (const backend of backends) {
    const layer = await backend.createLayer(spec)
    try {
      // Two warm-up runs: V8 tiers the kernels and the copy loops up over the first runs (the second
      // run of ff-1e5 measured 1.4e9 neuron-steps/s, the fourth on 1.9e9).
      const t = await measure(() => layer.run(input, undefined, { output }), { warmup: 2, repetitions })
      const rate = neuronSteps(w) / t.median
      const flops = w.weighted ? ` (x·Wᵀ ${format((2 * w.inputs * neuronSteps(w)) / t.median)} flop/s)` : ''
      console.log(
        `  ${backend.name.padEnd(9)} caller arrays: ${format(rate)} neuron-steps/s${ratio(rate)}${flops} (median ${(t.median * 1e3).toFixed(2)} ms, ${(t.min * 1e3).toFixed(2)}–${(t.max * 1e3).toFixed(2)})`,
      )
      if (backend !== wasmSimdBackend) continue
      const head = Math.min(w.steps, 4)
      const js = await jsBackend.createLayer(spec)
      const check = {
        data: input.data.subarray(0, (input.data.length / w.steps) * head),
        shape: [head, ...input.shape.slice(1)],
      }
      const reference = (await js.run(check)).voltages.data
      await js.dispose()
      console.log(
        `  (wasm-simd vs js on the first ${head} steps: relative error ${relativeError(output.subarray(0, reference.length), reference).toExponential(1)})`,
      )
      const l = layer as Allocating
      const x = l.allocate(input.shape)
      x.data.set(input.data)
      const out = l.allocate([w.steps, w.batch, w.neurons])
      const z = await measure(() => layer.run(x, undefined, { output: out.data }), { warmup: 2, repetitions })
      const zrate = neuronSteps(w) / z.median
      console.log(
        `  ${backend.name.padEnd(9)} zero-copy:     ${format(zrate)} neuron-steps/s${ratio(zrate)} (median ${(z.median * 1e3).toFixed(2)} ms, ${(z.min * 1e3).toFixed(2)}–${(z.max * 1e3).toFixed(2)})`,
      )
    } finally {
      await layer.dispose()
    }
  }
}

for (const w of workloadsNamed(process.argv.slice(2))) await bench(w)
