import type { ResolvedLayerSpec, Shape } from '@leaky/core'
import type { GraphKind } from '../model/contract.js'
import { TOLERANCE } from '../model/layer-model.js'
import { chooseGpuGraph } from '../traffic/layer-traffic.js'

/**
 * Which engine runs what, measured per backend (its package's limits object, passed to
 * defineOrtBackends; tests pass their own). Plain data: plan() reads it, nothing mutates it.
 */
export interface EngineLimits {
  /** batch·N up to which a CPU step runs core's JS loop instead of a session call. */
  readonly jsStepMaxWork: number
  /** batch·N up to which a CPU sequence with scalar parameters runs the chunked parallel graph. */
  readonly chunkedMaxWork: number
  /**
   * Voltages per session call of a long run, by graph: bounds onnxruntime's working memory (Scan
   * keeps its own copy of its output, ~1× a slice; the chunked graph ~5× a slice).
   */
  readonly sliceElements: Readonly<Record<'sequence' | 'parallel', number>>
  /** Fewest steps per slice: a session call of a very wide layer has a fixed cost of its own. */
  readonly minSliceSteps: number
  /** GPU sequences (slices) shorter than this run the doubling graph, not the chunked one. */
  readonly gpuChunkedMinSteps: number
  /**
   * batch·N from which a CPU sequence runs as one step-session call per time step, writing each v
   * straight into the output. Omitted: never.
   */
  readonly stepSessionMinWork?: number
  /**
   * batch·N from which a feed-forward CPU sequence (and a recordStates run wider than jsStepMaxWork)
   * runs as one call of the unrolled-steps graph per chunk of `stepChunkSteps` steps, state carried
   * between calls: Norse's order, as exact as the step graph. Preferred over stepSessionMinWork.
   * Omitted: never.
   */
  readonly stepChunkMinWork?: number
  /** Steps per call of the unrolled-steps graph (C); required with stepChunkMinWork. */
  readonly stepChunkSteps?: number
}

/**
 * The limits measured on onnxruntime-node's CPU EP (`pnpm bench:onnx`, benchmarks/README.md), the
 * starting point of every package's own: a session call costs ~20 µs, so steps up to 2e5 elements
 * run core's JS loop; the chunked graph wins up to 2e4 elements; slices of 2^22 (Scan) and 2^20
 * (chunked) voltages: ff-1e5 ran 2.0e8 neuron-steps/s at 2^20 and 3.1e8 at 2^22, weighted-256 peaked
 * at 1.75× the output at 2^20 chunked; a very wide layer's call has a fixed cost (N=1e6: ~30 ms),
 * hence 32 steps a slice at least.
 */
export const MEASURED_LIMITS: EngineLimits = Object.freeze({
  jsStepMaxWork: 200_000,
  chunkedMaxWork: 20_000,
  sliceElements: Object.freeze({ sequence: 1 << 22, parallel: 1 << 20 }),
  minSliceSteps: 32,
  gpuChunkedMinSteps: 0,
})

/** 'cpu': the CPU EP (Scan, JS steps); 'gpu': no Scan, no silent CPU fallback. */
export type Target = 'cpu' | 'gpu'

/** The shape of one call. */
export interface Work {
  /** Time steps of a run; 1 for a step. */
  readonly steps: number
  readonly batch: Shape
  /** run({ recordStates }): every state, which only the step engines give. */
  readonly recordStates?: boolean
  readonly mode: 'sequence' | 'step'
}

/** What one call runs, and on which session. Data-free: the same for every call of this shape. */
export type Plan =
  /** core's fused JS loop (CPU steps of small layers): Norse's order, bit for bit. */
  | { readonly engine: 'js-step' }
  /** One step-graph session call. */
  | { readonly engine: 'step-session'; readonly session: SessionShape }
  /** A run stepped through time with the step engine of `each` (recordStates, exact GPU runs). */
  | { readonly engine: 'stepping'; readonly each: Plan }
  /** A wide CPU run: one step-session call per time step, v written into the output. */
  | { readonly engine: 'step-sessions'; readonly session: SessionShape }
  /**
   * A CPU run as one call of the unrolled-steps graph per chunk (`session.steps` = C steps), v (and
   * with recordStates i) written into the output; the chunks are stepChunks(steps, C).
   */
  | { readonly engine: 'step-chunks'; readonly session: SessionShape & { readonly steps: number } }
  /**
   * A run on a sequence graph, time cut into `slices` calls of `sliceSteps` (the last shorter).
   * A parallel graph carries `fallback`, the exact plan for inputs it cannot take (non-finite, or
   * large enough to overflow where Norse's order would not: `safeMagnitude`).
   */
  | {
      readonly engine: 'graph'
      readonly session: SessionShape & { readonly graph: 'sequence' | 'parallel' }
      readonly sliceSteps: number
      readonly slices: number
      readonly safeMagnitude: number
      readonly fallback?: Plan
    }

/** The graphs a session runs: the exported kinds, and the runtime's own unrolled steps. */
export type SessionGraph = GraphKind | 'steps'

/** Everything that picks a session apart from the layer's content (the pool's key). */
export interface SessionShape {
  readonly graph: SessionGraph
  readonly batchRank: number
  /** Fixed T (parallel graphs are built per T; C of the unrolled steps); absent: symbolic. */
  readonly steps?: number
  /** Unrolled steps: the current after every step is an output too (recordStates). */
  readonly recordCurrents?: boolean
  readonly parallel?: 'auto' | 'doubling' | 'chunked'
  /** Elements per op (batch·N), for the device's session options. */
  readonly work: number
}

/**
 * Floating-point rounding of the parallel graphs, relative to the largest |v|: they sum the same
 * terms in another order, each rounded once (unit roundoff u = 2^-24), over the steps a state
 * remembers, M = min(T, 1/(1 − ρ)) with ρ the largest decay factor |α|, |γ|. The chunked graph was
 * measured at 2.9e-4 ≈ 5·u·M for tau = 1 s, dt = 1e-4 (M = 1e4, issue 12), so the bound is 8·u·M;
 * at M = 200, just inside 1e-4, node-cpu measures 5.9e-7 (test/accuracy-sweep.ts runs that case). Decay factors
 * outside [0, 1] (negative tau, dt·tauInv > 1) have no bound: the parallel graphs' powers then grow
 * or change sign and turn finite results into NaN; such layers take the exact engine.
 */
export function parallelErrorBound(spec: ResolvedLayerSpec, steps: number): number {
  const rho = largestDecay(spec)
  if (!(rho <= 1)) return Number.POSITIVE_INFINITY
  const memory = rho === 1 ? steps : Math.min(steps, 1 / (1 - rho))
  return 8 * 2 ** -24 * Math.max(1, memory)
}

/**
 * The largest |x|, |v0|, |i0| a parallel graph takes without overflowing where Norse's order would
 * not: below it every intermediate (the current sums x over ~M steps, a chunk's GEMM C more terms)
 * stays under 1e30, far from float32's 3.4e38. Above it (or NaN) the exact engine runs.
 */
function safeMagnitude(spec: ResolvedLayerSpec, steps: number): number {
  const rho = largestDecay(spec)
  const memory = rho >= 1 ? steps : Math.min(steps, 1 / (1 - rho))
  let vLeak = 0
  for (const x of spec.coefficients.vLeak) vLeak = Math.max(vLeak, Math.abs(x))
  return (1e30 - vLeak) / ((1 + memory) * 64 * weightGain(spec))
}

/** Decides once per call shape which engine runs it; a pure function of its arguments. */
export function plan(spec: ResolvedLayerSpec, work: Work, target: Target, limits: EngineLimits): Plan {
  const size = spec.neurons * work.batch.reduce((p, d) => p * d, 1)
  const batchRank = work.batch.length
  const stepPlan: Plan =
    target === 'cpu' && size <= limits.jsStepMaxWork
      ? { engine: 'js-step' }
      : { engine: 'step-session', session: { graph: 'step', batchRank, work: size } }
  if (work.mode === 'step') return stepPlan
  const steps = work.steps
  // Feed-forward only: a weighted layer's sequence graphs project every T·batch row with one GEMM,
  // the unrolled steps with C smaller ones, and that was not measured faster.
  const chunked =
    target === 'cpu' && steps > 0 && spec.kind === 'feed-forward'
      ? stepChunks(limits, size, batchRank)
      : undefined
  if (work.recordStates && chunked && stepPlan.engine !== 'js-step') {
    return { engine: 'step-chunks', session: { ...chunked.session, recordCurrents: true } }
  }
  if (steps === 0 || work.recordStates) return { engine: 'stepping', each: stepPlan }
  if (chunked) return chunked
  const step = { graph: 'step' as const, batchRank, work: size }
  if (target === 'cpu' && size >= (limits.stepSessionMinWork ?? Number.POSITIVE_INFINITY)) {
    return { engine: 'step-sessions', session: step }
  }
  const exact: Plan =
    target === 'cpu'
      ? sliced('sequence', steps, size, batchRank, limits, Number.POSITIVE_INFINITY)
      : // GPU EPs have no Scan: the exact engine there is the step graph, one call a time step.
        { engine: 'stepping', each: { engine: 'step-session', session: step } }
  const parallelWanted = target === 'gpu' || (spec.coefficients.scalar && size <= limits.chunkedMaxWork)
  if (!parallelWanted || !(parallelErrorBound(spec, steps) <= TOLERANCE.parallel)) return exact
  const parallel = sliced(
    'parallel',
    steps,
    size,
    batchRank,
    limits,
    safeMagnitude(spec, steps),
    target,
    spec,
  )
  return { ...parallel, fallback: exact }
}

/** The step-chunks plan where the limits take it for this size, else undefined. */
function stepChunks(
  limits: EngineLimits,
  size: number,
  batchRank: number,
): (Plan & { engine: 'step-chunks' }) | undefined {
  if (!(size >= (limits.stepChunkMinWork ?? Number.POSITIVE_INFINITY))) return undefined
  const steps = limits.stepChunkSteps
  if (steps === undefined || !Number.isInteger(steps) || steps < 1)
    throw new Error(
      `engine limits: stepChunkSteps must be an integer ≥ 1 with stepChunkMinWork, got ${steps}`,
    )
  return { engine: 'step-chunks', session: { graph: 'steps', batchRank, work: size, steps } }
}

/**
 * The calls of a step-chunks run of `steps` steps: ⌊steps/C⌋ chunks of C, then the remainder as
 * descending powers of two (e.g. C = 8, 30 steps: 8, 8, 8, 4, 2). Every call is a whole graph, nothing
 * is padded, and a layer needs at most 1 + log₂C sessions whatever its sequence lengths.
 */
export function stepChunkLengths(steps: number, chunk: number): number[] {
  const lengths: number[] = new Array(Math.floor(steps / chunk)).fill(chunk)
  let rest = steps % chunk
  for (let p = 2 ** Math.floor(Math.log2(Math.max(1, rest))); rest > 0; p /= 2) {
    if (p <= rest) {
      lengths.push(p)
      rest -= p
    }
  }
  return lengths
}

function sliced(
  graph: 'sequence' | 'parallel',
  steps: number,
  size: number,
  batchRank: number,
  limits: EngineLimits,
  magnitude: number,
  target: Target = 'cpu',
  spec?: ResolvedLayerSpec,
): Plan & { engine: 'graph' } {
  const sliceSteps = Math.min(
    steps,
    Math.max(limits.minSliceSteps, Math.floor(limits.sliceElements[graph] / size)),
  )
  const slices = Math.ceil(steps / sliceSteps)
  // CPU: 'auto' (chunked for scalar parameters). GPU: doubling with batch dims (the chunked graph's
  // shape arithmetic would go to the CPU), and for slices shorter than gpuChunkedMinSteps; else the
  // graph the traffic model says moves fewer bytes per neuron-step (GPUs are memory-bound).
  const method =
    graph === 'sequence'
      ? undefined
      : target === 'cpu'
        ? 'auto'
        : batchRank > 0 || sliceSteps < limits.gpuChunkedMinSteps
          ? 'doubling'
          : spec
            ? chooseGpuGraph(spec, { steps: sliceSteps }).graph
            : 'auto'
  return {
    engine: 'graph',
    // The parallel graphs are built per T: a slice length; the last, shorter slice is its own shape.
    session: { graph, batchRank, work: size, ...(method ? { parallel: method } : {}) },
    sliceSteps,
    slices,
    safeMagnitude: magnitude,
  }
}

function largestDecay(spec: ResolvedLayerSpec): number {
  const { a, b } = spec.coefficients
  let rho = 0
  for (const arr of [a, b]) {
    for (const x of arr) {
      // 1 − x outside [0, 1]: NaN below (and for NaN), > 1 above.
      const decay = 1 - x
      if (!(decay >= 0 && decay <= 1)) return Number.POSITIVE_INFINITY
      rho = Math.max(rho, decay)
    }
  }
  return rho
}

/** The largest Σ|W| of a row: how much larger than |x| a weighted layer's input current can be. */
function weightGain(spec: ResolvedLayerSpec): number {
  if (!spec.weights) return 1
  const { data } = spec.weights
  let gain = 1
  for (let r = 0; r < spec.neurons; r++) {
    let sum = 0
    for (let c = r * spec.inputs; c < (r + 1) * spec.inputs; c++) sum += Math.abs(data[c] as number)
    gain = Math.max(gain, sum)
  }
  return gain
}

/** The key of a Work, for plans cached per call shape. */
export function workKey(work: Work): string {
  return `${work.mode}|${work.steps}|${work.batch.join('x')}|${work.recordStates ? 'r' : ''}`
}
