import { checkCostFigures } from './costs.js'
import type { Workload } from './registry.js'
import type { BackendCost, CostFigures } from './types.js'

/** One timed workload on one backend. */
export interface Measurement {
  readonly workload: Workload
  /** Seconds the whole workload took: one run() in 'sequence' mode, all `steps` step() calls in 'step' mode. */
  readonly seconds: number
}

/** The fixed cost of one call, measured on a layer too small for its work to count (`leaky bench`: 8 neurons). */
export interface CallSeconds {
  readonly run: number
  readonly step: number
}

const neuronSteps = (w: Workload) => w.steps * (w.batch ?? 1) * w.neurons
const isWeighted = (w: Workload) => w.weighted ?? w.inputs !== undefined

/**
 * The cost model's figures (see auto.ts) fitted to measurements, as `leaky bench` calibrates `auto`:
 * - callSeconds: the measured fixed cost of a call;
 * - sequence throughput: from the largest feed-forward run, its time less one call;
 * - step throughput: from a step workload, its time less its calls (else the sequence throughput);
 * - flops: from the largest weighted run, its time less one call and the LI update at that throughput
 *   (for a backend that declares an event-driven x·Wᵀ: the largest dense one; its event flops from the
 *   largest sparse one, counting the active inputs only).
 * A figure without a measurement to fit keeps `fallback`'s (the backend's declared costs). Time left
 * after subtracting the fixed parts is taken as at least 5 % of the measurement, so noise in a fixed
 * part can never make a throughput negative or infinite. Measurements that are not a finite time > 0
 * are ignored.
 */
export function fitCosts(
  measurements: readonly Measurement[],
  calls: CallSeconds,
  fallback: BackendCost,
): BackendCost {
  const usable = measurements.filter((m) => Number.isFinite(m.seconds) && m.seconds > 0)
  const rest = (seconds: number, fixed: number) => Math.max(seconds - fixed, seconds * 0.05)
  const largest = (list: Measurement[]) =>
    list.reduce<Measurement | undefined>(
      (best, m) => (best === undefined || neuronSteps(m.workload) > neuronSteps(best.workload) ? m : best),
      undefined,
    )
  const sequences = usable.filter((m) => (m.workload.mode ?? 'sequence') === 'sequence')
  const ff = largest(sequences.filter((m) => !isWeighted(m.workload)))
  const sequenceRate = ff
    ? neuronSteps(ff.workload) / rest(ff.seconds, calls.run)
    : fallback.sequence.neuronStepsPerSecond
  const st = usable.find((m) => m.workload.mode === 'step')
  const stepRate = st
    ? neuronSteps(st.workload) / rest(st.seconds, st.workload.steps * calls.step)
    : sequenceRate
  // x·Wᵀ's flops per second over what a weighted run had left after its call and LI update; the
  // share of inputs active (density) counts for an event-driven path only.
  const matmulRate = (m: Measurement, density: number) =>
    (2 * neuronSteps(m.workload) * (m.workload.inputs ?? m.workload.neurons) * density) /
    rest(m.seconds, calls.run + neuronSteps(m.workload) / sequenceRate)
  const weighted = sequences.filter((m) => isWeighted(m.workload))
  const density = (m: Measurement) => m.workload.inputDensity ?? 1
  const sparse = (m: Measurement) => density(m) > 0 && density(m) < 1
  // A backend that declares an event-driven x·Wᵀ takes its flops from dense runs and its event
  // flops from sparse ones; any other does all the work on any input, so every run counts as dense.
  const events = fallback.sequence.eventFlopsPerSecond !== undefined
  const dense = largest(events ? weighted.filter((m) => density(m) === 1) : weighted)
  const flops = dense ? matmulRate(dense, 1) : fallback.sequence.flopsPerSecond
  const spikes = events ? largest(weighted.filter(sparse)) : undefined
  const eventFlops = spikes ? matmulRate(spikes, density(spikes)) : fallback.sequence.eventFlopsPerSecond
  const figures = (callSeconds: number, neuronStepsPerSecond: number, where: string): CostFigures =>
    checkCostFigures(
      {
        callSeconds,
        neuronStepsPerSecond,
        ...(flops !== undefined ? { flopsPerSecond: flops } : {}),
        ...(eventFlops !== undefined ? { eventFlopsPerSecond: eventFlops } : {}),
      },
      `fitted ${where} costs`,
    )
  return {
    sequence: figures(calls.run, sequenceRate, 'sequence'),
    step: figures(calls.step, stepRate, 'step'),
  }
}
