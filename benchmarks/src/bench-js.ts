/**
 * The js backend on the anchor workloads, beside the three C references measured in the same run (ratios to the best).
 *   pnpm bench:js [workload ...]      e.g. pnpm bench:js ff-1e5 step-1e3
 */

import {
  bestCFigure,
  describeCReferences,
  makeWorkload,
  measure,
  measureCReferences,
  neuronSteps,
  norseFigures,
  type Workload,
  workloadsNamed,
} from '@leaky/bench'
import { jsBackend, type StateHandle } from '@leaky/core'

const format = (x: number) => x.toExponential(2)

async function bench(w: Workload): Promise<string> {
  const { spec, input } = makeWorkload(w)
  const layer = await jsBackend.createLayer(spec)
  try {
    if (w.mode === 'step') {
      let state: StateHandle | undefined
      const timing = await measure(
        async () => {
          state = (await layer.step(input, state)).state
        },
        { warmup: 2000, repetitions: 9, batch: 2000 },
      )
      const norse = norseFigures(w).find((f) => f.device === 'cpu' && f.threads === 2)
      return (
        `${w.name.padEnd(14)} ${(timing.median * 1e6).toFixed(2)} µs per step (min ${(timing.min * 1e6).toFixed(2)}, max ${(timing.max * 1e6).toFixed(2)})` +
        `   Norse CPU 2 threads, other machine: ${((norse?.secondsPerStep ?? Number.NaN) * 1e6).toFixed(1)} µs`
      )
    }
    // One output buffer reused across repetitions, as a service would: the figure is the integrator, not the allocator.
    const output = new Float32Array(neuronSteps(w))
    const timing = await measure(() => layer.run(input, undefined, { output }), { warmup: 1, repetitions: 5 })
    const rate = neuronSteps(w) / timing.median
    let limit = ''
    if (!w.weighted) {
      const c = measureCReferences(w.steps, w.neurons, { threads: 2, repetitions: 5 })
      limit = `   ${describeCReferences(c)} → ratio to best ${(rate / bestCFigure(c)).toFixed(3)}`
    }
    const norse = norseFigures(w).find((f) => f.device === 'cpu' && f.threads === 2)
    return (
      `${w.name.padEnd(14)} ${format(rate)} neuron-steps/s (median of ${timing.repetitions}, ${(timing.min * 1e3).toFixed(1)}–${(timing.max * 1e3).toFixed(1)} ms)${limit}` +
      `   Norse CPU 2 threads, other machine: ${format(norse?.neuronStepsPerSecond ?? Number.NaN)}`
    )
  } finally {
    await layer.dispose()
  }
}

for (const w of workloadsNamed(process.argv.slice(2))) console.log(await bench(w))
