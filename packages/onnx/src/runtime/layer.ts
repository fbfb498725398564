import {
  type BackendName,
  type LIState,
  type ResolvedLayerSpec,
  type RunOptions,
  type RunResult,
  type Shape,
  sizeOf,
  type Tensor,
  type Tolerance,
} from '@leaky/core'
import { advance, BaseLayer, type StartState, stateShape } from '@leaky/core/backend'
import { SEQUENCE_IO, STEP_IO } from '../li/io-names.js'
import type { GraphKind } from '../model/contract.js'
import type { DevicePolicy, OrtRuntime, OrtTensor } from './runtime.js'
import type { SessionPool, SessionRequest } from './sessions.js'

/** A session step's state. On a GPU `i` is a GPU buffer, kept there between steps. */
interface Tensors {
  readonly v: OrtTensor
  readonly i: OrtTensor
}

/** Where a step's state lives: plain arrays (after a JS-loop step), or onnxruntime tensors. */
export type OrtState =
  | { readonly kind: 'plain'; readonly state: LIState }
  | { readonly kind: 'ort'; readonly tensors: Tensors }

/**
 * GPU tensors of states nobody disposed: when a state's handle is garbage-collected, its buffers go
 * back to onnxruntime. The held value is the tensor pair (never the state, which is the target).
 */
const orphans = new FinalizationRegistry<{ tensors: Tensors; live: Set<Tensors> }>(({ tensors, live }) => {
  if (live.delete(tensors)) disposeTensors(tensors)
})

function disposeTensors(t: Tensors): void {
  for (const tensor of [t.v, t.i]) if (tensor.location === 'gpu-buffer') tensor.dispose()
}

/**
 * The LI layer on any onnxruntime build: the runtime (onnxruntime-node, onnxruntime-web) and the
 * sessions pool come from the backend package, the per-device choices from a DevicePolicy.
 *
 * Which engine runs what: a session call costs tens of µs, so small CPU steps run core's fused JS
 * loop (the same float32 math, bit for bit); CPU sequences of small scalar layers run the chunked
 * parallel graph (one GEMM per chunk), larger or per-neuron ones the exact Scan graph. GPUs run the
 * parallel graph: their EPs have no Scan.
 */
export class OrtLayer extends BaseLayer<OrtState> {
  readonly backend: BackendName
  readonly tolerance: Tolerance
  readonly #runtime: OrtRuntime
  readonly #pool: SessionPool
  readonly #policy: DevicePolicy
  readonly #sessions = new Set<string>()
  /** GPU tensors of this layer's live states: freed by handle.dispose(), GC, or layer dispose. */
  readonly #gpu = new Set<Tensors>()

  constructor(spec: ResolvedLayerSpec, runtime: OrtRuntime, pool: SessionPool, policy: DevicePolicy) {
    super(spec)
    this.#runtime = runtime
    this.#pool = pool
    this.#policy = policy
    this.backend = policy.backend
    // The parallel graph (GPUs, small CPU sequences) rounds differently from Norse's order: 1e-4.
    this.tolerance = { run: policy.target === 'cpu' && !spec.coefficients.scalar ? 1e-5 : 1e-4, step: 1e-5 }
  }

  /** The graph `run` uses for this many rows (batch·N elements per step). */
  sequenceGraph(work: number): GraphKind {
    if (this.#policy.target !== 'cpu') return 'parallel'
    return this.spec.coefficients.scalar && work <= this.#policy.limits.chunkedMaxWork
      ? 'parallel'
      : 'sequence'
  }

  /** The pool keys of this layer's sessions (for fault tests). */
  get sessionKeys(): readonly string[] {
    return [...this.#sessions]
  }

  /** GPU tensor pairs this layer holds now (for tests: must not grow when handles are disposed). */
  get liveGpuStates(): number {
    return this.#gpu.size
  }

  /** The session for a request, with `run` wrapped so that a runtime failure can evict it from the pool. */
  async #session(request: SessionRequest) {
    const { key, session } = this.#pool.acquire(this.spec, this.#policy, request)
    if (this.#sessions.has(key)) this.#pool.release(key)
    else this.#sessions.add(key)
    const s = await session
    return {
      run: async (feeds: Record<string, OrtTensor>, fetches?: Record<string, OrtTensor | null>) => {
        try {
          return await (fetches ? s.run(feeds, fetches) : s.run(feeds))
        } catch (error) {
          if (this.#policy.evictOnFailure) {
            this.#pool.evict(key)
            this.#sessions.delete(key)
          }
          throw error
        }
      },
    }
  }

  protected async runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<OrtState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const work = sizeOf(shape)
    const limits = this.#policy.limits
    let graph = this.sequenceGraph(work)
    // A parallel graph mixes time steps (a GEMM multiplies later inputs by zeros, and 0·Inf = NaN),
    // so NaN/Inf would spread differently from Norse's order: such inputs take the exact path.
    const exactOnly = graph === 'parallel' && hasNonFinite(xs.data)
    if (exactOnly && this.#policy.target === 'cpu') graph = 'sequence'
    if (steps === 0 || options.recordStates || (exactOnly && graph !== 'sequence')) {
      return this.#runByStepping(xs, steps, batch, start, options)
    }
    if (this.#policy.target === 'cpu' && work >= (limits.stepSessionMinWork ?? Number.POSITIVE_INFINITY)) {
      return this.#runBySessionSteps(xs, steps, batch, start, options)
    }
    // Time is cut into slices of about sliceElements voltages: onnxruntime's working memory (Scan
    // keeps its own copy of the output; the parallel graphs hold several [T, N] intermediates) is then
    // bounded by a slice, not the sequence. A slice costs one more session call (tens of µs).
    const perSlice = limits.sliceElements[graph === 'parallel' ? 'parallel' : 'sequence']
    const sliceSteps = Math.min(steps, Math.max(limits.minSliceSteps, Math.floor(perSlice / work)))
    const preallocate = this.#policy.preallocateOutputs === true
    const inSize = xs.data.length / steps
    let voltages =
      options.output ?? (preallocate || sliceSteps < steps ? new Float32Array(steps * work) : undefined)
    let { v, i } = this.#feedable(start, shape)
    for (let t0 = 0; t0 < steps; t0 += sliceSteps) {
      const n = Math.min(sliceSteps, steps - t0)
      const session = await this.#session({
        graph,
        batchRank: batch.length,
        work,
        ...(graph === 'parallel' ? { steps: n, parallel: this.#parallelMethod(n, batch) } : {}),
      })
      const feeds = {
        [SEQUENCE_IO.xs]: new this.#runtime.Tensor(
          'float32',
          xs.data.subarray(t0 * inSize, (t0 + n) * inSize),
          [n, ...xs.shape.slice(1)],
        ),
        [SEQUENCE_IO.v0]: v,
        [SEQUENCE_IO.i0]: i,
      }
      // Pre-allocated: voltages go straight into the JS output, handed to onnxruntime as an output;
      // otherwise it allocates natively and copies into JS.
      const result = await session.run(
        feeds,
        preallocate && voltages
          ? {
              [SEQUENCE_IO.voltages]: new this.#runtime.Tensor(
                'float32',
                voltages.subarray(t0 * work, (t0 + n) * work),
                [n, ...shape],
              ),
              [SEQUENCE_IO.vFinal]: null,
              [SEQUENCE_IO.iFinal]: null,
            }
          : undefined,
      )
      if (!preallocate) {
        const out = floats(result[SEQUENCE_IO.voltages])
        if (voltages) voltages.set(out, t0 * work)
        else voltages = out
      }
      v = result[SEQUENCE_IO.vFinal] as OrtTensor
      i = result[SEQUENCE_IO.iFinal] as OrtTensor
    }
    return {
      voltages: { data: voltages as Float32Array, shape: [steps, ...shape] },
      state: { v: { data: floats(v), shape }, i: { data: floats(i), shape } },
    }
  }

  /**
   * A wide CPU layer: one step-session call per time step, each v written by onnxruntime straight
   * into its row of the output (a pre-allocated output) and fed back from there; only i round-trips
   * as a tensor. Norse's order exactly (the step graph), no Scan. Measured `pnpm bench:onnx`, T=1000,
   * N=1e5: 5.4e8 neuron-steps/s, against 3.2e8 for Scan.
   */
  async #runBySessionSteps(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<OrtState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const size = sizeOf(shape)
    const { Tensor: T } = this.#runtime
    const session = await this.#session({ graph: 'step', batchRank: batch.length, work: size })
    const voltages = options.output ?? new Float32Array(steps * size)
    const inSize = xs.data.length / steps
    const from = this.#feedable(start, shape)
    let v = from.v
    let i = from.i
    for (let t = 0; t < steps; t++) {
      const row = new T('float32', voltages.subarray(t * size, (t + 1) * size), shape)
      const result = await session.run(
        {
          [STEP_IO.x]: new T('float32', xs.data.subarray(t * inSize, (t + 1) * inSize), xs.shape.slice(1)),
          [STEP_IO.v]: v,
          [STEP_IO.i]: i,
        },
        { [STEP_IO.vNew]: row, [STEP_IO.iNew]: null },
      )
      v = row
      i = result[STEP_IO.iNew] as OrtTensor
    }
    const last = steps === 0 ? from : { v, i }
    return {
      voltages: { data: voltages, shape: [steps, ...shape] },
      state: { v: { data: floats(last.v).slice(), shape }, i: { data: floats(last.i).slice(), shape } },
    }
  }

  /**
   * Zero steps, `recordStates` (the sequence graphs return only the final current), and non-finite
   * inputs on a GPU: step through time with the step engine, collecting every state. Exact.
   */
  async #runByStepping(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<OrtState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const size = sizeOf(shape)
    const outShape = [steps, ...shape]
    const voltages = options.output ?? new Float32Array(steps * size)
    const currents = options.recordStates ? new Float32Array(steps * size) : undefined
    const inSize = steps === 0 ? 0 : xs.data.length / steps
    let from = start
    for (let t = 0; t < steps; t++) {
      const x = { data: xs.data.subarray(t * inSize, (t + 1) * inSize), shape: xs.shape.slice(1) }
      const next = await this.runStep(x, batch, from)
      // Intermediate states are ours alone: free them as we go (never the caller's start state).
      if (from !== start && from.kind === 'resident') this.releaseState(from.value)
      voltages.set(next.v.data, t * size)
      if (currents) currents.set((await this.readState(next.state, shape)).i.data, t * size)
      from = { kind: 'resident', value: next.state }
    }
    const final = from.kind === 'plain' ? copy(from.state) : await this.readState(from.value, shape)
    if (from !== start && from.kind === 'resident') this.releaseState(from.value)
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
    start: StartState<OrtState>,
  ): Promise<{ v: Tensor; state: OrtState }> {
    const shape = stateShape(this.spec, batch)
    const work = sizeOf(shape)
    if (this.#policy.target === 'cpu' && work <= this.#policy.limits.jsStepMaxWork) {
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
    const from = this.#feedable(start, shape)
    const result = await session.run({
      [STEP_IO.x]: new this.#runtime.Tensor('float32', x.data, x.shape),
      [STEP_IO.v]: from.v,
      [STEP_IO.i]: from.i,
    })
    const tensors = { v: result[STEP_IO.vNew] as OrtTensor, i: result[STEP_IO.iNew] as OrtTensor }
    const state: OrtState = { kind: 'ort', tensors }
    if (tensors.i.location === 'gpu-buffer') {
      this.#gpu.add(tensors)
      orphans.register(state, { tensors, live: this.#gpu }, state)
    }
    // v comes back to the CPU (the caller asked for it), copied: the state keeps its own; on a GPU
    // i stays on the GPU.
    return { v: { data: floats(tensors.v).slice(), shape }, state }
  }

  protected async readState(state: OrtState, shape: Shape): Promise<LIState> {
    if (state.kind === 'plain') return copy(state.state)
    const readBack = this.#policy.readBack ?? defaultReadBack
    const [v, i] = await Promise.all([readBack(state.tensors.v), readBack(state.tensors.i)])
    return { v: { data: v, shape }, i: { data: i, shape } }
  }

  protected releaseState(state: OrtState): void {
    if (state.kind !== 'ort' || !this.#gpu.delete(state.tensors)) return
    orphans.unregister(state)
    disposeTensors(state.tensors)
  }

  protected async release(): Promise<void> {
    for (const tensors of this.#gpu) disposeTensors(tensors)
    this.#gpu.clear()
    for (const key of this.#sessions) this.#pool.release(key)
    this.#sessions.clear()
  }

  /**
   * CPU: 'auto' (chunked for scalar parameters). GPU: doubling with batch dims (the chunked graph's
   * shape arithmetic would go to the CPU), and for sequences shorter than gpuChunkedMinSteps, which
   * chunked pads to a whole chunk.
   */
  #parallelMethod(steps: number, batch: Shape): 'auto' | 'doubling' {
    if (this.#policy.target === 'cpu') return 'auto'
    return batch.length > 0 || steps < this.#policy.limits.gpuChunkedMinSteps ? 'doubling' : 'auto'
  }

  #feedable(start: StartState<OrtState>, shape: Shape): Tensors {
    if (start.kind === 'resident' && start.value.kind === 'ort') return start.value.tensors
    const s = start.kind === 'plain' ? start.state : (start.value as { state: LIState }).state
    const { Tensor } = this.#runtime
    return { v: new Tensor('float32', s.v.data, shape), i: new Tensor('float32', s.i.data, shape) }
  }
}

/** getData() downloads a GPU buffer (the tensor stays usable); CPU tensors are copied. */
async function defaultReadBack(tensor: OrtTensor): Promise<Float32Array> {
  return ((await tensor.getData()) as Float32Array).slice()
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
