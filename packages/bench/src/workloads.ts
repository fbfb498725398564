import type { LayerSpec, Tensor } from '@leaky/core'
import { mulberry32 } from '@leaky/core'

/**
 * The anchor workloads (shared/anchors/README.md): same names and shapes wherever leaky is
 * benchmarked, so figures can be set beside Norse's.
 */
export interface Workload {
  readonly name: string
  readonly description: string
  /** 'sequence': one run() over T steps; 'step': latency of one step() call. */
  readonly mode: 'sequence' | 'step'
  readonly steps: number
  readonly batch: number
  readonly inputs: number
  readonly neurons: number
  readonly weighted: boolean
  /** Input: gaussian-ish currents, or spikes with this probability. */
  readonly spikeProbability?: number
}

/** The anchor workloads: the shapes Norse's figures were measured on. */
export const WORKLOADS: readonly Workload[] = [
  {
    name: 'ff-1e3',
    description: 'feed-forward layer T=1000, N=1e3',
    mode: 'sequence',
    steps: 1000,
    batch: 1,
    inputs: 1000,
    neurons: 1000,
    weighted: false,
  },
  {
    name: 'ff-1e5',
    description: 'feed-forward layer T=1000, N=1e5',
    mode: 'sequence',
    steps: 1000,
    batch: 1,
    inputs: 100_000,
    neurons: 100_000,
    weighted: false,
  },
  {
    name: 'ff-1e6',
    description: 'feed-forward layer T=200, N=1e6',
    mode: 'sequence',
    steps: 200,
    batch: 1,
    inputs: 1_000_000,
    neurons: 1_000_000,
    weighted: false,
  },
  {
    name: 'weighted-256',
    description: 'weighted layer T=500, B=64, 256→256, spikes p=0.1',
    mode: 'sequence',
    steps: 500,
    batch: 64,
    inputs: 256,
    neurons: 256,
    weighted: true,
    spikeProbability: 0.1,
  },
  {
    name: 'weighted-1024',
    description: 'weighted layer T=200, B=256, 1024→1024',
    mode: 'sequence',
    steps: 200,
    batch: 256,
    inputs: 1024,
    neurons: 1024,
    weighted: true,
  },
  {
    name: 'step-1e3',
    description: 'one step, N=1e3 (latency per step)',
    mode: 'step',
    steps: 1,
    batch: 1,
    inputs: 1000,
    neurons: 1000,
    weighted: false,
  },
]

/** The anchor workload of that name, or undefined. */
export function findWorkload(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === name)
}

/** The workloads a benchmark script's arguments name (all of them for none), or an Error naming an unknown one. */
export function workloadsNamed(names: readonly string[]): Workload[] {
  if (names.length === 0) return [...WORKLOADS]
  return names.map((n) => {
    const w = findWorkload(n)
    if (!w) throw new Error(`unknown workload ${n}; known: ${WORKLOADS.map((k) => k.name).join(', ')}`)
    return w
  })
}

/** Neuron-steps one execution of the workload performs (T·batch·N). */
export function neuronSteps(w: Workload): number {
  return w.steps * w.batch * w.neurons
}

/** The input shape: [T, N] without batch, [T, B, inputs] with. */
export function inputShape(w: Workload): number[] {
  return w.mode === 'step'
    ? w.batch > 1
      ? [w.batch, w.inputs]
      : [w.inputs]
    : w.batch > 1
      ? [w.steps, w.batch, w.inputs]
      : [w.steps, w.inputs]
}

/** Deterministic inputs and weights for a workload. */
export function makeWorkload(w: Workload, seed = 1): { spec: LayerSpec; input: Tensor } {
  const rand = mulberry32(seed)
  const shape = inputShape(w)
  const size = shape.reduce((a, b) => a * b, 1)
  const data = new Float32Array(size)
  if (w.spikeProbability !== undefined) {
    for (let k = 0; k < size; k++) data[k] = rand() < w.spikeProbability ? 1 : 0
  } else {
    for (let k = 0; k < size; k++) data[k] = 2 * rand() - 1
  }
  const spec: LayerSpec = w.weighted
    ? {
        neurons: w.neurons,
        weights: {
          data: Float32Array.from(
            { length: w.neurons * w.inputs },
            () => (2 * rand() - 1) / Math.sqrt(w.inputs),
          ),
          shape: [w.neurons, w.inputs],
        },
      }
    : { neurons: w.neurons }
  return { spec, input: { data, shape } }
}
