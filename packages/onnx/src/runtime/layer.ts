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
import { SEQUENCE_IO, STEP_IO, STEPS_IO } from '../li/io-names.js'
import { TOLERANCE } from '../model/layer-model.js'
import {
  type EngineLimits,
  type Plan,
  plan,
  type SessionShape,
  stepChunkLengths,
  type Work,
  workKey,
} from './plan.js'
import type { DevicePolicy, OrtRuntime, OrtTensor } from './runtime.js'
import type { ContentLease, SessionLease, SessionPool } from './sessions.js'

/** What an OrtLayer runs on: one runtime, its session pool, a device's policy and engine limits. */
export interface OrtEngine {
  readonly runtime: OrtRuntime
  readonly pool: SessionPool
  readonly policy: DevicePolicy
  readonly limits: EngineLimits
}

/**
 * A session step's state tensors. On a GPU `i` is a GPU buffer its session's allocator owns: the
 * pair holds a lease on that session, so the buffer outlives an evicted or disposed session.
 */
interface Tensors {
  readonly v: OrtTensor
  readonly i: OrtTensor
  readonly lease?: SessionLease
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

/** What a layer holds in its runtime, released by dispose() or, for a dropped layer, by the GC. */
interface Held {
  readonly leases: Map<SessionShape, SessionLease>
  readonly gpu: Set<Tensors>
  readonly content: ContentLease
}

const dropped = new FinalizationRegistry<Held>(releaseHeld)

function releaseHeld(held: Held): void {
  for (const tensors of held.gpu) disposeTensors(tensors)
  held.gpu.clear()
  for (const lease of held.leases.values()) lease.release()
  held.leases.clear()
  held.content.release()
}

function disposeTensors(t: Tensors): void {
  for (const tensor of [t.v, t.i]) if (tensor.location === 'gpu-buffer') tensor.dispose()
  t.lease?.release()
}

/**
 * The LI layer on any onnxruntime build: the runtime (onnxruntime-node, onnxruntime-web) and the
 * session pool come from the backend package, the per-device choices from a DevicePolicy, which
 * engine runs a call from plan() (./plan.ts), once per call shape.
 */
export class OrtLayer extends BaseLayer<OrtState> {
  readonly backend: BackendName
  readonly tolerance: Tolerance
  readonly #engine: OrtEngine
  readonly #plans = new Map<string, Plan>()
  readonly #held: Held

  constructor(spec: ResolvedLayerSpec, engine: OrtEngine) {
    super(spec)
    this.#engine = engine
    this.backend = engine.policy.backend
    this.#held = { leases: new Map(), gpu: new Set(), content: engine.pool.content(spec) }
    dropped.register(this, this.#held, this)
    // A layer that may take a parallel graph states its tolerance (1e-4); plan() takes one only
    // where its a-priori error bound is within it. Every other engine follows Norse's order.
    const mayParallel = engine.policy.target === 'gpu' || spec.coefficients.scalar
    this.tolerance = { run: mayParallel ? TOLERANCE.parallel : TOLERANCE.exact, step: TOLERANCE.exact }
  }

  /** The private copy of the input a run takes (see runSequence). */
  protected override extraElements(steps: number, batch: Shape): number[] {
    return [steps * sizeOf(batch) * this.spec.inputs]
  }

  /** The plan of a call of this shape, made once and kept (plan() is pure). */
  planFor(work: Work): Plan {
    const key = workKey(work)
    let planned = this.#plans.get(key)
    if (!planned) {
      planned = plan(this.spec, work, this.#engine.policy.target, this.#engine.limits)
      this.#plans.set(key, planned)
    }
    return planned
  }

  /** The pool keys of this layer's sessions (for fault tests). */
  get sessionKeys(): readonly string[] {
    return [...this.#held.leases.values()].map((l) => l.key)
  }

  /** GPU tensor pairs this layer holds now (for tests: must not grow when handles are disposed). */
  get liveGpuStates(): number {
    return this.#held.gpu.size
  }

  /** The session of a shape, with `run` wrapped so that a runtime failure can evict it from the pool. */
  async #session(shape: SessionShape) {
    let lease = this.#held.leases.get(shape)
    if (!lease) {
      lease = this.#engine.pool.acquire(this.#held.content.id, this.#engine.policy, shape)
      this.#held.leases.set(shape, lease)
    }
    const held = lease
    const s = await held.session
    return {
      lease: held,
      run: async (feeds: Record<string, OrtTensor>, fetches?: Record<string, OrtTensor | null>) => {
        try {
          return await (fetches ? s.run(feeds, fetches) : s.run(feeds))
        } catch (error) {
          if (this.#engine.policy.evictOnFailure && this.#held.leases.get(shape) === held) {
            // A failed runtime (a crash, a lost device) may have taken this layer's other sessions
            // with it (a run on step chunks or slices uses several): all of them go, and the next
            // call starts on fresh ones. Stops new leases; other layers and GPU states keep theirs
            // until they let go.
            for (const lease of this.#held.leases.values()) {
              lease.evict()
              lease.release()
            }
            this.#held.leases.clear()
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
    // onnxruntime reads its inputs when the call runs, after an await: a private copy, taken now,
    // is the input as it was when the caller made the call.
    const input = { data: xs.data.slice(), shape: xs.shape }
    const from = snapshot(start)
    let chosen = this.planFor({ mode: 'sequence', steps, batch, recordStates: options.recordStates === true })
    if (chosen.engine === 'graph' && chosen.fallback) {
      const magnitude = Math.max(largest(input.data), from.kind === 'plain' ? largestState(from.state) : 0)
      if (!(magnitude <= chosen.safeMagnitude)) chosen = chosen.fallback
      // A resident state (GPU tensors) is not scanned: it came from this layer's exact step engine.
    }
    if (chosen.engine === 'stepping') return this.#runByStepping(input, steps, batch, from, options)
    if (chosen.engine === 'step-sessions')
      return this.#runBySessionSteps(chosen.session, input, steps, batch, from, options)
    if (chosen.engine === 'step-chunks')
      return this.#runByStepChunks(chosen, input, steps, batch, from, options)
    if (chosen.engine !== 'graph') throw new Error(`plan ${chosen.engine} is not a run`)
    return this.#runOnGraph(chosen, input, steps, batch, from, options)
  }

  /**
   * Time in slices of about sliceElements voltages: onnxruntime's working memory (Scan keeps its
   * own copy of the output; the parallel graphs hold several [T, N] intermediates) is then bounded
   * by a slice, not the sequence. A slice costs one more session call (tens of µs).
   */
  async #runOnGraph(
    chosen: Plan & { engine: 'graph' },
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<OrtState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const work = sizeOf(shape)
    const { Tensor } = this.#engine.runtime
    const { sliceSteps, session: shapeOf } = chosen
    const fixedSteps = shapeOf.graph === 'parallel'
    const preallocate = this.#engine.policy.preallocateOutputs === true
    const inSize = xs.data.length / steps
    let voltages =
      options.output ?? (preallocate || sliceSteps < steps ? new Float32Array(steps * work) : undefined)
    let { v, i } = this.#feedable(start, shape)
    for (let t0 = 0; t0 < steps; t0 += sliceSteps) {
      const n = Math.min(sliceSteps, steps - t0)
      const session = await this.#session(fixedSteps ? this.#sliceShape(shapeOf, n) : shapeOf)
      const feeds = {
        [SEQUENCE_IO.xs]: new Tensor('float32', xs.data.subarray(t0 * inSize, (t0 + n) * inSize), [
          n,
          ...xs.shape.slice(1),
        ]),
        [SEQUENCE_IO.v0]: v,
        [SEQUENCE_IO.i0]: i,
      }
      // Pre-allocated: voltages go straight into the JS output, handed to onnxruntime as an output;
      // otherwise it allocates natively and copies into JS.
      const result = await session.run(
        feeds,
        preallocate && voltages
          ? {
              [SEQUENCE_IO.voltages]: new Tensor('float32', voltages.subarray(t0 * work, (t0 + n) * work), [
                n,
                ...shape,
              ]),
              [SEQUENCE_IO.vFinal]: null,
              [SEQUENCE_IO.iFinal]: null,
            }
          : undefined,
      )
      if (!preallocate) {
        const out = floats(result[SEQUENCE_IO.voltages])
        if (voltages) voltages.set(out, t0 * work)
        else voltages = owned(out)
      }
      v = result[SEQUENCE_IO.vFinal] as OrtTensor
      i = result[SEQUENCE_IO.iFinal] as OrtTensor
    }
    return {
      voltages: { data: voltages as Float32Array, shape: [steps, ...shape] },
      state: { v: { data: owned(floats(v)), shape }, i: { data: owned(floats(i)), shape } },
    }
  }

  /** A parallel graph is built per T: the session shape of a slice of n steps, one object per n. */
  readonly #sliceShapes = new Map<SessionShape, Map<number, SessionShape>>()
  #sliceShape(base: SessionShape, n: number): SessionShape {
    let byLength = this.#sliceShapes.get(base)
    if (!byLength) {
      byLength = new Map()
      this.#sliceShapes.set(base, byLength)
    }
    let shape = byLength.get(n)
    if (!shape) {
      shape = { ...base, steps: n }
      byLength.set(n, shape)
    }
    return shape
  }

  /**
   * A wide CPU layer: one step-session call per time step, each v written by onnxruntime straight
   * into its row of the output (a pre-allocated output) and fed back from there; only i round-trips
   * as a tensor. Norse's order exactly (the step graph), no Scan. Measured `pnpm bench:onnx`, T=1000,
   * N=1e5: 5.4e8 neuron-steps/s, against 3.2e8 for Scan.
   */
  async #runBySessionSteps(
    shapeOf: SessionShape,
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<OrtState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const size = sizeOf(shape)
    const { Tensor: T } = this.#engine.runtime
    const session = await this.#session(shapeOf)
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
    return {
      voltages: { data: voltages, shape: [steps, ...shape] },
      state: { v: { data: floats(v).slice(), shape }, i: { data: floats(i).slice(), shape } },
    }
  }

  /**
   * A CPU run as one call of the unrolled-steps graph per chunk of C steps (the remainder in
   * power-of-two chunks, each its own session: nothing padded). Every x_t is a view of the input's
   * row, every v_t (and with recordStates i_t) is written by onnxruntime straight into its row of
   * the output, and the last row is fed back as the next chunk's state; without recordStates the
   * final current alternates between two scratch arrays (an output cannot be the same call's input).
   * Norse's order exactly, like the step graph.
   */
  async #runByStepChunks(
    chosen: Plan & { engine: 'step-chunks' },
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<OrtState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const size = sizeOf(shape)
    const { Tensor: T } = this.#engine.runtime
    const outShape = [steps, ...shape]
    const voltages = options.output ?? new Float32Array(steps * size)
    const record = chosen.session.recordCurrents === true
    const currents = record ? new Float32Array(steps * size) : undefined
    const scratch = record ? [] : [new Float32Array(size), new Float32Array(size)]
    const inSize = xs.data.length / steps
    const xShape = xs.shape.slice(1)
    const row = (data: Float32Array, t: number) =>
      new T('float32', data.subarray(t * size, (t + 1) * size), shape)
    let { v, i } = this.#feedable(start, shape)
    let t0 = 0
    for (const [k, n] of stepChunkLengths(steps, chosen.session.steps).entries()) {
      const session = await this.#session(this.#sliceShape(chosen.session, n))
      const feeds: Record<string, OrtTensor> = { [STEPS_IO.v]: v, [STEPS_IO.i]: i }
      const fetches: Record<string, OrtTensor> = {}
      for (let t = 0; t < n; t++) {
        feeds[STEPS_IO.x(t)] = new T(
          'float32',
          xs.data.subarray((t0 + t) * inSize, (t0 + t + 1) * inSize),
          xShape,
        )
        fetches[STEPS_IO.vAfter(t)] = row(voltages, t0 + t)
        if (currents) fetches[STEPS_IO.iAfter(t)] = row(currents, t0 + t)
      }
      if (!currents) fetches[STEPS_IO.iAfter(n - 1)] = new T('float32', scratch[k % 2] as Float32Array, shape)
      await session.run(feeds, fetches)
      v = fetches[STEPS_IO.vAfter(n - 1)] as OrtTensor
      i = fetches[STEPS_IO.iAfter(n - 1)] as OrtTensor
      t0 += n
    }
    const vOut = { data: voltages, shape: outShape }
    return {
      voltages: vOut,
      state: { v: { data: floats(v).slice(), shape }, i: { data: floats(i).slice(), shape } },
      ...(currents ? { states: { v: vOut, i: { data: currents, shape: outShape } } } : {}),
    }
  }

  /**
   * Zero steps, `recordStates` (the sequence graphs return only the final current), and the exact
   * engine of a GPU (no Scan there): step through time with the step engine, collecting every state.
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
      const next = await this.#stepOnce(x, batch, from)
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

  protected runStep(
    x: Tensor,
    batch: Shape,
    start: StartState<OrtState>,
  ): Promise<{ v: Tensor; state: OrtState }> {
    const chosen = this.planFor({ mode: 'step', steps: 1, batch })
    // The JS loop reads x and a plain start at once; a session reads them after an await: copied.
    if (chosen.engine === 'js-step' && start.kind === 'plain')
      return Promise.resolve(this.#jsStep(x, batch, start.state))
    return this.#stepOnce({ data: x.data.slice(), shape: x.shape }, batch, snapshot(start))
  }

  async #stepOnce(
    x: Tensor,
    batch: Shape,
    start: StartState<OrtState>,
  ): Promise<{ v: Tensor; state: OrtState }> {
    const shape = stateShape(this.spec, batch)
    const chosen = this.planFor({ mode: 'step', steps: 1, batch })
    if (chosen.engine === 'js-step') {
      const from =
        start.kind === 'plain'
          ? start.state
          : start.value.kind === 'plain'
            ? start.value.state
            : await this.readState(start.value, shape)
      return this.#jsStep(x, batch, from)
    }
    if (chosen.engine !== 'step-session') throw new Error(`plan ${chosen.engine} is not a step`)
    const session = await this.#session(chosen.session)
    const from = this.#feedable(start, shape)
    const result = await session.run({
      [STEP_IO.x]: new this.#engine.runtime.Tensor('float32', x.data, x.shape),
      [STEP_IO.v]: from.v,
      [STEP_IO.i]: from.i,
    })
    const v = result[STEP_IO.vNew] as OrtTensor
    const i = result[STEP_IO.iNew] as OrtTensor
    const onGpu = i.location === 'gpu-buffer' || v.location === 'gpu-buffer'
    // GPU buffers belong to the session's allocator: the state keeps the session alive.
    const tensors: Tensors = onGpu ? { v, i, lease: session.lease.share() } : { v, i }
    const state: OrtState = { kind: 'ort', tensors }
    if (onGpu) {
      this.#held.gpu.add(tensors)
      orphans.register(state, { tensors, live: this.#held.gpu }, state)
    }
    // v comes back to the CPU (the caller asked for it), copied: the state keeps its own.
    return { v: { data: floats(v).slice(), shape }, state }
  }

  /** core's fused JS loop; the caller's v is a copy, so editing it never changes the state. */
  #jsStep(x: Tensor, batch: Shape, from: LIState): { v: Tensor; state: OrtState } {
    const state = advance(this.spec, x, batch, from)
    return { v: { data: state.v.data.slice(), shape: state.v.shape }, state: { kind: 'plain', state } }
  }

  protected async readState(state: OrtState, shape: Shape): Promise<LIState> {
    if (state.kind === 'plain') return copy(state.state)
    const readBack = this.#engine.policy.readBack ?? defaultReadBack
    const [v, i] = await Promise.all([readBack(state.tensors.v), readBack(state.tensors.i)])
    return { v: { data: owned(v), shape }, i: { data: owned(i), shape } }
  }

  protected releaseState(state: OrtState): void {
    if (state.kind !== 'ort' || !this.#held.gpu.delete(state.tensors)) return
    orphans.unregister(state)
    disposeTensors(state.tensors)
  }

  protected async release(): Promise<void> {
    dropped.unregister(this)
    releaseHeld(this.#held)
  }

  #feedable(start: StartState<OrtState>, shape: Shape): Tensors {
    if (start.kind === 'resident' && start.value.kind === 'ort') return start.value.tensors
    const s = start.kind === 'plain' ? start.state : (start.value as { state: LIState }).state
    const { Tensor } = this.#engine.runtime
    return { v: new Tensor('float32', s.v.data, shape), i: new Tensor('float32', s.i.data, shape) }
  }
}

/** A caller's plain start state, copied (the call reads it after an await); resident ones are ours. */
function snapshot(start: StartState<OrtState>): StartState<OrtState> {
  return start.kind === 'plain' ? { kind: 'plain', state: copy(start.state) } : start
}

/** getData() downloads a GPU buffer (the tensor stays usable); CPU tensors are copied. */
async function defaultReadBack(tensor: OrtTensor): Promise<Float32Array> {
  return ((await tensor.getData()) as Float32Array).slice()
}

/** The largest |x|; NaN if any x is NaN or ±Inf (then no bound holds). */
function largest(data: Float32Array): number {
  let m = 0
  for (let k = 0; k < data.length; k++) {
    const x = data[k] as number
    // x − x is 0 for every finite x and NaN for NaN and ±Inf.
    if (x - x !== 0) return Number.NaN
    if (x > m) m = x
    else if (-x > m) m = -x
  }
  return m
}

function largestState(s: LIState): number {
  return Math.max(largest(s.v.data), largest(s.i.data))
}

function floats(t: unknown): Float32Array {
  return (t as OrtTensor).data as Float32Array
}

/** The array itself if it owns exactly its buffer, else a copy that does. */
function owned(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice()
}

function copy(s: LIState): LIState {
  return { v: { data: s.v.data.slice(), shape: s.v.shape }, i: { data: s.i.data.slice(), shape: s.i.shape } }
}
