import {
  advance,
  type BackendName,
  BaseLayer,
  type LIState,
  type ResolvedLayerSpec,
  type RunOptions,
  type RunResult,
  type Shape,
  type StartState,
  sizeOf,
  stateShape,
  type Tensor,
  type Tolerance,
} from '@leaky/core'
import { type GraphKind, SEQUENCE_IO, STEP_IO } from '@leaky/onnx'
import { BACKEND_OF, type Device } from './devices.js'
import { type OrtTensor, ort } from './ort.js'
import { readBack } from './read-back.js'
import { acquireSession, evictSession, releaseSession, type SessionRequest } from './sessions.js'

/**
 * Where a step's state lives: plain arrays (after a JS-loop step), or onnxruntime tensors (after a
 * session step). On WebGPU the current `i` stays a GPU buffer between steps; it is only copied out
 * when the caller reads the state.
 */
type NodeState =
  | { readonly kind: 'plain'; readonly state: LIState }
  | { readonly kind: 'ort'; readonly v: OrtTensor; readonly i: OrtTensor }

/**
 * Which engine runs what, from the CPU benchmark (`pnpm bench:onnx`, benchmarks/README.md): a
 * session call costs ~20 µs here, so small steps run core's fused JS loop in this process (the same
 * float32 math, bit for bit); sequences of small layers run the chunked parallel graph (one GEMM per
 * chunk); large layers run the exact Scan graph. GPUs run the parallel graph: their EPs have no Scan.
 */
export const ENGINE_LIMITS = {
  /** batch·N up to which a CPU step runs the JS loop instead of a session call. */
  jsStepMaxWork: 200_000,
  /** batch·N up to which a CPU sequence with scalar parameters runs the chunked parallel graph. */
  chunkedMaxWork: 20_000,
  /**
   * Voltages per session call of a long run, by graph: bounds onnxruntime's working memory (Scan
   * keeps its own copy of its output, ~1× a slice; the chunked graph ~5× a slice). Measured on
   * ff-1e5: 2^20 → 2.0e8, 2^22 → 3.1e8 neuron-steps/s (fewer calls); weighted-256 peak memory 1.75×
   * the output at 2^20 for the chunked graph.
   */
  sliceElements: { sequence: 1 << 22, parallel: 1 << 20 } as Record<'sequence' | 'parallel', number>,
  /** Fewest steps per slice: a session call of a very wide layer has a fixed cost of its own (N=1e6: ~30 ms). */
  minSliceSteps: 32,
}

export class NodeLayer extends BaseLayer<NodeState> {
  readonly backend: BackendName
  readonly tolerance: Tolerance
  readonly #device: Device
  readonly #sessions = new Set<string>()

  constructor(spec: ResolvedLayerSpec, device: Device) {
    super(spec)
    this.#device = device
    this.backend = BACKEND_OF[device]
    // The parallel graph (GPUs, small CPU sequences) rounds differently from Norse's order: 1e-4.
    this.tolerance = { run: device === 'cpu' && !spec.coefficients.scalar ? 1e-5 : 1e-4, step: 1e-5 }
  }

  /** The graph `run` uses for this many rows (batch·N elements per step). */
  sequenceGraph(work: number): GraphKind {
    if (this.#device !== 'cpu') return 'parallel'
    return this.spec.coefficients.scalar && work <= ENGINE_LIMITS.chunkedMaxWork ? 'parallel' : 'sequence'
  }

  /** The session for a request, with `run` wrapped so that a runtime failure evicts it (see evictSession). */
  async #session(request: Omit<SessionRequest, 'device'>) {
    const { key, session } = acquireSession(this.spec, { ...request, device: this.#device })
    if (this.#sessions.has(key)) releaseSession(key)
    else this.#sessions.add(key)
    const s = await session
    return {
      run: async (feeds: Record<string, OrtTensor>, fetches?: Record<string, OrtTensor | null>) => {
        try {
          return await (fetches ? s.run(feeds, fetches) : s.run(feeds))
        } catch (error) {
          evictSession(key)
          this.#sessions.delete(key)
          throw error
        }
      },
    }
  }

  /** The pool keys of this layer's sessions (for fault tests). */
  get sessionKeys(): readonly string[] {
    return [...this.#sessions]
  }

  protected async runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<NodeState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const work = sizeOf(shape)
    const from = await this.#feedable(start, shape)
    let graph = this.sequenceGraph(work)
    // A parallel graph mixes time steps (a GEMM multiplies later inputs by zeros, and 0·Inf = NaN),
    // so NaN/Inf would spread differently from Norse's order: such inputs take the exact path.
    const exactOnly = graph === 'parallel' && hasNonFinite(xs.data)
    if (exactOnly && this.#device === 'cpu') graph = 'sequence'
    if (steps === 0 || options.recordStates || (exactOnly && graph !== 'sequence')) {
      return this.#runByStepping(xs, steps, batch, from, options)
    }
    // Time is cut into slices of about SLICE_ELEMENTS voltages: onnxruntime's working memory (Scan
    // keeps its own copy of the output; the parallel graphs hold several [T, N] intermediates) is then
    // bounded by a slice, not the sequence. A slice costs one more session call (~20 µs).
    const perSlice = ENGINE_LIMITS.sliceElements[graph === 'parallel' ? 'parallel' : 'sequence']
    const sliceSteps = Math.min(steps, Math.max(ENGINE_LIMITS.minSliceSteps, Math.floor(perSlice / work)))
    const inSize = xs.data.length / steps
    const voltages = options.output ?? new Float32Array(steps * work)
    let v = from.v
    let i = from.i
    for (let t0 = 0; t0 < steps; t0 += sliceSteps) {
      const n = Math.min(sliceSteps, steps - t0)
      const session = await this.#session({
        graph,
        batchRank: batch.length,
        work,
        // With batch dims the chunked graph needs shape arithmetic that GPU EPs leave to the CPU.
        ...(graph === 'parallel'
          ? { steps: n, parallel: this.#device !== 'cpu' && batch.length > 0 ? 'doubling' : 'auto' }
          : {}),
      })
      // Voltages go straight into the JS output, handed to onnxruntime as a pre-allocated output;
      // otherwise it allocates natively and copies into JS.
      const result = await session.run(
        {
          [SEQUENCE_IO.xs]: new ort.Tensor('float32', xs.data.subarray(t0 * inSize, (t0 + n) * inSize), [
            n,
            ...xs.shape.slice(1),
          ]),
          [SEQUENCE_IO.v0]: v,
          [SEQUENCE_IO.i0]: i,
        },
        {
          [SEQUENCE_IO.voltages]: new ort.Tensor('float32', voltages.subarray(t0 * work, (t0 + n) * work), [
            n,
            ...shape,
          ]),
          [SEQUENCE_IO.vFinal]: null,
          [SEQUENCE_IO.iFinal]: null,
        },
      )
      v = result[SEQUENCE_IO.vFinal] as OrtTensor
      i = result[SEQUENCE_IO.iFinal] as OrtTensor
    }
    return {
      voltages: { data: voltages, shape: [steps, ...shape] },
      state: { v: { data: floats(v), shape }, i: { data: floats(i), shape } },
    }
  }

  /**
   * Zero steps, and `recordStates` (the sequence graphs return only the final current): step through
   * time with the step engine, collecting every state. Exact, and slower than one sequence call.
   */
  async #runByStepping(
    xs: Tensor,
    steps: number,
    batch: Shape,
    from: { v: OrtTensor; i: OrtTensor },
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const size = sizeOf(shape)
    const outShape = [steps, ...shape]
    const voltages = options.output ?? new Float32Array(steps * size)
    const currents = options.recordStates ? new Float32Array(steps * size) : undefined
    const inSize = steps === 0 ? 0 : xs.data.length / steps
    let state: NodeState = { kind: 'ort', ...from }
    for (let t = 0; t < steps; t++) {
      const x = { data: xs.data.subarray(t * inSize, (t + 1) * inSize), shape: xs.shape.slice(1) }
      state = (await this.runStep(x, batch, { kind: 'resident', value: state })).state
      const plain = await this.readState(state, shape)
      voltages.set(plain.v.data, t * size)
      currents?.set(plain.i.data, t * size)
    }
    const final = await this.readState(state, shape)
    const v = { data: voltages, shape: outShape }
    return {
      voltages: v,
      state: final,
      ...(currents ? { states: { v, i: { data: currents, shape: outShape } } } : {}),
    }
  }

  protected async runStep(
    x: Tensor,
    batch: Shape,
    start: StartState<NodeState>,
  ): Promise<{ v: Tensor; state: NodeState }> {
    const shape = stateShape(this.spec, batch)
    const work = sizeOf(shape)
    if (this.#device === 'cpu' && work <= ENGINE_LIMITS.jsStepMaxWork) {
      const from =
        start.kind === 'plain'
          ? start.state
          : start.value.kind === 'plain'
            ? start.value.state
            : await this.readState(start.value, shape)
      const state = advance(this.spec, x, batch, from)
      return { v: state.v, state: { kind: 'plain', state } }
    }
    const session = await this.#session({ graph: 'step', batchRank: batch.length, work })
    const from = await this.#feedable(start, shape)
    const result = await session.run({
      [STEP_IO.x]: new ort.Tensor('float32', x.data, x.shape),
      [STEP_IO.v]: from.v,
      [STEP_IO.i]: from.i,
    })
    const v = result[STEP_IO.vNew] as OrtTensor
    const i = result[STEP_IO.iNew] as OrtTensor
    return { v: { data: floats(v), shape }, state: { kind: 'ort', v, i } }
  }

  protected async readState(state: NodeState, shape: Shape): Promise<LIState> {
    if (state.kind === 'plain') return copy(state.state)
    const [v, i] = await Promise.all([readBack(state.v), readBack(state.i)])
    return { v: { data: v, shape }, i: { data: i, shape } }
  }

  protected releaseState(state: NodeState): void {
    if (state.kind === 'ort') {
      for (const t of [state.v, state.i]) if (t.location === 'gpu-buffer') t.dispose()
    }
  }

  protected async release(): Promise<void> {
    for (const key of this.#sessions) releaseSession(key)
    this.#sessions.clear()
  }

  async #feedable(start: StartState<NodeState>, shape: Shape): Promise<{ v: OrtTensor; i: OrtTensor }> {
    if (start.kind === 'resident' && start.value.kind === 'ort') return start.value
    const s = start.kind === 'plain' ? start.state : (start.value as { state: LIState }).state
    return { v: new ort.Tensor('float32', s.v.data, shape), i: new ort.Tensor('float32', s.i.data, shape) }
  }
}

function hasNonFinite(data: Float32Array): boolean {
  for (let k = 0; k < data.length; k++) {
    const x = data[k] as number
    // x − x is 0 for every finite x and NaN for NaN and ±Inf: one test instead of two.
    if (x - x !== 0) return true
  }
  return false
}

function floats(t: unknown): Float32Array {
  return (t as OrtTensor).data as Float32Array
}

function copy(s: LIState): LIState {
  return { v: { data: s.v.data.slice(), shape: s.v.shape }, i: { data: s.i.data.slice(), shape: s.i.shape } }
}
