/**
 * Bytes per neuron-step of each graph leaky can run for a layer, the throughput they predict at a
 * memory bandwidth, and the choice of GPU graph that follows (the one that moves fewest bytes).
 */
import type { ResolvedLayerSpec } from '@leaky/core'
import type { GraphBuilder } from '../graph/graph-builder.js'
import { buildChunkedSequenceGraph, defaultChunk, supportsChunked } from '../li/chunked-sequence-graph.js'
import { buildDoublingSequenceGraph } from '../li/doubling-sequence-graph.js'
import { buildScanSequenceGraph } from '../li/scan-sequence-graph.js'
import { buildStepGraph } from '../li/step-graph.js'
import { type GraphTraffic, graphTraffic } from './traffic.js'

/** The graphs of a layer: one step, the exact Scan sequence, and the two parallel-in-time ones. */
export type TrafficGraph = 'step' | 'scan' | 'doubling' | 'chunked'

/**
 * The least a pass can move per neuron-step: a sequence reads x and writes v (8 bytes, state in
 * registers); a step also reads and writes the state (v, i): 20 bytes.
 */
export const MIN_BYTES_PER_NEURON_STEP = { sequence: 8, step: 20 } as const

export interface TrafficCase {
  /** Time steps (ignored by 'step', which is one step). */
  readonly steps: number
  /** Batch dims between time and neurons. Default none. */
  readonly batch?: readonly number[]
  /** Chunk length of the chunked graph (default: what the graph builder picks for `steps`). */
  readonly chunk?: number
}

export interface LayerTraffic extends GraphTraffic {
  readonly graph: TrafficGraph
  readonly neuronSteps: number
  readonly bytesPerNeuronStep: number
  /** bytesPerNeuronStep over {@link MIN_BYTES_PER_NEURON_STEP}. */
  readonly overMinimum: number
}

function build(spec: ResolvedLayerSpec, graph: TrafficGraph, c: TrafficCase): GraphBuilder {
  const batchDims = (c.batch ?? []).map((_, k) => `batch${k}`)
  const o = { batchDims, steps: c.steps }
  switch (graph) {
    case 'step':
      return buildStepGraph(spec, { batchDims })
    case 'scan':
      return buildScanSequenceGraph(spec, o)
    case 'doubling':
      return buildDoublingSequenceGraph(spec, o)
    case 'chunked':
      return buildChunkedSequenceGraph(spec, { ...o, chunk: c.chunk ?? defaultChunk(c.steps) })
  }
}

/** The traffic of one run of `graph` for `spec` (built with T fixed, as the runtime builds parallel graphs). */
export function layerTraffic(spec: ResolvedLayerSpec, graph: TrafficGraph, c: TrafficCase): LayerTraffic {
  if (!Number.isInteger(c.steps) || c.steps < 1)
    throw new RangeError(`steps must be an integer ≥ 1, got ${c.steps}`)
  const batch = c.batch ?? []
  const dims: Record<string, number> = { T: c.steps }
  batch.forEach((d, k) => {
    dims[`batch${k}`] = d
  })
  const t = graphTraffic(build(spec, graph, c).build(), dims)
  const steps = graph === 'step' ? 1 : c.steps
  const neuronSteps = steps * batch.reduce((p, d) => p * d, 1) * spec.neurons
  const bytesPerNeuronStep = (t.bytesRead + t.bytesWritten) / neuronSteps
  const minimum = MIN_BYTES_PER_NEURON_STEP[graph === 'step' ? 'step' : 'sequence']
  return { ...t, graph, neuronSteps, bytesPerNeuronStep, overMinimum: bytesPerNeuronStep / minimum }
}

/** Neuron-steps per second a memory-bound pass reaches at `bandwidth` bytes/s. */
export function predictedThroughput(bytesPerNeuronStep: number, bandwidth: number): number {
  return bandwidth / bytesPerNeuronStep
}

export interface GpuGraphChoice {
  readonly graph: 'doubling' | 'chunked'
  /** Every candidate's traffic, the chosen one first. */
  readonly candidates: readonly LayerTraffic[]
}

/**
 * The parallel graph a GPU should run a sequence of `steps` with: the candidate (doubling always,
 * chunked for uniform baked parameters) that moves the fewest bytes per neuron-step.
 */
export function chooseGpuGraph(spec: ResolvedLayerSpec, c: TrafficCase): GpuGraphChoice {
  const graphs: ('doubling' | 'chunked')[] = supportsChunked(spec) ? ['doubling', 'chunked'] : ['doubling']
  const candidates = graphs
    .map((g) => layerTraffic(spec, g, c))
    .sort((x, y) => x.bytesPerNeuronStep - y.bytesPerNeuronStep)
  const best = candidates[0] as LayerTraffic
  return { graph: best.graph as 'doubling' | 'chunked', candidates }
}

/** One line for reports: "chunked 20.6 B/neuron-step (2.6× the 8 B minimum) → 2.3e11 neuron-steps/s at 4.8 TB/s". */
export function formatTraffic(t: LayerTraffic, bandwidth?: number): string {
  const minimum = MIN_BYTES_PER_NEURON_STEP[t.graph === 'step' ? 'step' : 'sequence']
  const head = `${t.graph} ${t.bytesPerNeuronStep.toFixed(1)} B/neuron-step (${t.overMinimum.toFixed(1)}× the ${minimum} B minimum)`
  if (bandwidth === undefined) return head
  const rate = predictedThroughput(t.bytesPerNeuronStep, bandwidth)
  return `${head} → ${rate.toExponential(1)} neuron-steps/s at ${(bandwidth / 1e12).toPrecision(2)} TB/s`
}

/** The shape of work {@link fusedKernelBytes} counts. */
export interface FusedWork {
  readonly mode: 'sequence' | 'step'
  readonly inputs: number
  readonly neurons: number
  readonly weighted: boolean
}

/**
 * Bytes a neuron-step of leaky's fused WGSL engine (@leaky/webgpu-wgsl), counted from its kernels
 * as the graphs above are from their nodes. Sequence: x read and v written once (8 B). Weighted: x
 * (4·inputs/N), the projection written and read back (8), v (4); W is read once per 16 rows of x,
 * which the L2 cache serves, so it is left out. Step: x (4), the state read from the handle's buffer
 * and written to a new one (16), v written and copied out for the readback (12): 32 B.
 */
export function fusedKernelBytes(w: FusedWork): number {
  const x = w.weighted ? (4 * w.inputs) / w.neurons + 8 : 4
  return w.mode === 'step' ? x + 28 : x + 4
}
