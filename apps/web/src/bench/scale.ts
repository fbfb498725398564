import { type MeasureOptions, WORKLOADS, type Workload } from '@leaky/bench/browser'

/**
 * The anchor workloads (packages/bench/src/workloads.ts), shrunk to what a browser tab runs in seconds.
 * Batch goes first, then steps, then neurons, so the neuron count — what names a workload — is kept
 * whenever the budget allows.
 */
export interface Scale {
  readonly label: string
  /** Most neuron-steps (T·B·N) of a feed-forward run. */
  readonly neuronSteps: number
  /** Most multiply-adds (T·B·N·inputs) of a weighted run. */
  readonly multiplyAdds: number
  readonly sequence: MeasureOptions
  readonly step: MeasureOptions
}

export const SCALES = {
  browser: {
    label: 'Browser (about 10⁷ neuron-steps a run)',
    neuronSteps: 1e7,
    multiplyAdds: 1e8,
    sequence: { warmup: 1, repetitions: 5 },
    step: { warmup: 200, repetitions: 5, batch: 500 },
  },
  smoke: {
    label: 'Smoke test (about 10⁵ neuron-steps a run)',
    neuronSteps: 1e5,
    multiplyAdds: 1e6,
    sequence: { warmup: 1, repetitions: 3 },
    step: { warmup: 5, repetitions: 3, batch: 20 },
  },
} as const satisfies Record<string, Scale>
export type ScaleName = keyof typeof SCALES

export function isScaleName(name: string): name is ScaleName {
  return Object.hasOwn(SCALES, name)
}

export function scaleWorkload(w: Workload, scale: Scale): Workload {
  let { steps, batch, neurons, inputs } = w
  const cost = () => steps * batch * neurons * (w.weighted ? inputs : 1)
  const limit = w.weighted ? scale.multiplyAdds : scale.neuronSteps
  while (cost() > limit && batch > 1) batch = Math.ceil(batch / 2)
  while (cost() > limit && steps > 1) steps = Math.ceil(steps / 2)
  while (cost() > limit && neurons > 1) {
    neurons = Math.ceil(neurons / 2)
    inputs = w.weighted ? Math.ceil(inputs / 2) : neurons
  }
  if (steps === w.steps && batch === w.batch && neurons === w.neurons) return w
  const size = [w.mode === 'sequence' ? `T=${steps}` : '', batch > 1 ? `B=${batch}` : '', `N=${neurons}`]
  return {
    ...w,
    steps,
    batch,
    neurons,
    inputs,
    description: `${w.description}, scaled to ${size.filter(Boolean).join(', ')}`,
  }
}

export function scaledWorkloads(scale: Scale): Workload[] {
  return WORKLOADS.map((w) => scaleWorkload(w, scale))
}
