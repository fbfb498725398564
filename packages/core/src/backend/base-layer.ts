import { BackendError, DisposedError, LeakyError, ShapeError } from '../errors/errors.js'
import { checkCapacity } from '../layer/capacity.js'
import {
  checkSequence,
  checkState,
  checkStepInput,
  type LIState,
  type ResolvedLayerSpec,
  stateShape,
} from '../layer/spec.js'
import { checkOutput, initialState, type RunOptions, type RunResult } from '../math/li.js'
import { formatShape, type Shape, sizeOf, type Tensor } from '../tensor/tensor.js'
import type { BackendName, Layer, LayerStepResult, StateHandle, Tolerance } from './types.js'

/** Where a call starts: the backend's own resident state, or a plain LIState (the caller's or the default). */
export type StartState<S> =
  | { readonly kind: 'resident'; readonly value: S }
  | { readonly kind: 'plain'; readonly state: LIState }

/**
 * What every backend's layer shares, so that every backend behaves the same at its edges: argument
 * checks before any work, calls queued one at a time (a runtime session cannot run two calls at
 * once), typed errors, dispose. A subclass supplies only the computation on its runtime.
 *
 * What BaseLayer guarantees the caller, on every backend:
 * - A call sees its input and plain state as they were when it was made: a call that has to wait
 *   (the layer is busy, or a foreign handle must be read first) works on a copy taken at call time.
 *   A call that starts at once reads the caller's arrays in place, so a subclass whose engine
 *   awaits mid-call must itself copy whatever it reads after its first await (e.g. later time slices).
 * - SharedArrayBuffer-backed arrays (input, state, output) behave as ordinary ones: the engine gets
 *   an ordinary copy, and a shared output buffer is filled after the engine is done.
 * - Every tensor returned owns exactly its memory (`data.byteLength === data.buffer.byteLength`,
 *   nothing shared with a state or another layer), except the caller's own `output` buffer: a view
 *   a subclass returns (of a slab, of a state) is copied. A subclass must never return its resident
 *   state's own array as a step's `v`: editing a returned v never changes a state.
 * - A call with nothing to compute (zero steps, or a zero-size batch at any T) returns at once:
 *   empty voltages and the state unchanged, without reaching the engine.
 *
 * Subclasses must not mutate a resident state they are given: they return a new one, so that a
 * failed call leaves the caller's state as it was.
 */
export abstract class BaseLayer<S> implements Layer {
  abstract readonly backend: BackendName
  abstract readonly tolerance: Tolerance
  readonly spec: ResolvedLayerSpec
  #queue: Promise<unknown> = Promise.resolve()
  #pending = 0
  #disposed = false
  /** Reads of this layer's states in flight: outside the queue, but dispose waits for them. */
  readonly #reads = new Set<Promise<unknown>>()

  constructor(spec: ResolvedLayerSpec) {
    this.spec = spec
  }

  /** Whether {@link BaseLayer.dispose} was called. */
  get disposed(): boolean {
    return this.#disposed
  }

  run(xs: Tensor, state?: LIState | StateHandle, options: RunOptions = {}): Promise<RunResult> {
    const wait = this.#mustWait(state)
    const input = snapshot(xs, wait, this.#engineMemory)
    const from = isHandle(state) ? state : snapshotState(state, wait, this.#engineMemory)
    return this.#serialize(async () => {
      const { steps, batch } = checkSequence(this.spec, input)
      checkOutput(this.spec, steps, batch, options, xs)
      const outputs = steps * sizeOf(stateShape(this.spec, batch))
      checkCapacity('this run', [
        options.output ? 0 : outputs,
        options.recordStates ? outputs : 0,
        ...this.extraElements(steps, batch, options),
      ])
      const pending = this.#start(from, batch)
      const start = pending instanceof Promise ? await pending : pending
      if (outputs === 0) return this.#nothingToRun(steps, batch, start, options)
      const shared =
        options.output !== undefined && isShared(options.output) && !this.isEngineMemory(options.output)
      const result = await this.runSequence(
        input,
        steps,
        batch,
        start,
        shared ? { ...options, output: undefined } : options,
      )
      return ownedResult(result, options.output)
    })
  }

  step(x: Tensor, state?: LIState | StateHandle): Promise<LayerStepResult> {
    const wait = this.#mustWait(state)
    const input = snapshot(x, wait, this.#engineMemory)
    const from = isHandle(state) ? state : snapshotState(state, wait, this.#engineMemory)
    return this.#serialize(() => this.#step(input, from))
  }

  /** A step's work: synchronous, when the start state is at hand and the engine's runStep is. */
  #step(input: Tensor, from: LIState | StateHandle | undefined): LayerStepResult | Promise<LayerStepResult> {
    const batch = checkStepInput(this.spec, input)
    const start = this.#start(from, batch)
    return start instanceof Promise
      ? start.then((s) => this.#stepFrom(input, batch, s))
      : this.#stepFrom(input, batch, start)
  }

  #stepFrom(input: Tensor, batch: Shape, start: StartState<S>): LayerStepResult | Promise<LayerStepResult> {
    const shape = stateShape(this.spec, batch)
    if (input.data.length === 0) {
      // A zero-size batch: nothing to compute, and no engine needs to see an empty tensor.
      const empty = { v: { data: new Float32Array(0), shape }, i: { data: new Float32Array(0), shape } }
      return { v: empty.v, state: new PlainStateHandle(this, shape, empty) }
    }
    const done = this.runStep(input, batch, start)
    return done instanceof Promise
      ? done.then((r) => this.#stepResult(r, shape))
      : this.#stepResult(done, shape)
  }

  #stepResult({ v, state }: { v: Tensor; state: S }, shape: Shape): LayerStepResult {
    return { v: ownedTensor(v), state: new LayerStateHandle(this, shape, state) }
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    // Let calls already queued, and state reads, finish (or fail) before the runtime's resources go.
    await this.#queue.catch(() => undefined)
    await Promise.allSettled([...this.#reads])
    await this.release()
  }

  /**
   * Whether an array lives in this layer's own engine memory (`allocate()`): such an array is handed
   * to the engine as it is even when it is SharedArrayBuffer-backed (a shared wasm memory), so that
   * zero-copy stays zero-copy. A call that must wait still snapshots it.
   */
  protected isEngineMemory(_data: Float32Array): boolean {
    return false
  }

  readonly #engineMemory = (data: Float32Array): boolean => this.isEngineMemory(data)

  /** Elements of working memory a run allocates beyond its output (for the capacity check). */
  protected extraElements(_steps: number, _batch: Shape, _options: RunOptions): number[] {
    return []
  }

  /** The whole sequence; `xs` and the start state are already checked. */
  protected abstract runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<S>,
    options: RunOptions,
  ): Promise<RunResult>

  /**
   * One step; `x` and the start state are already checked. An engine that can answer synchronously
   * should (a small step then costs no promise until the one the caller gets).
   */
  protected abstract runStep(
    x: Tensor,
    batch: Shape,
    start: StartState<S>,
  ): { v: Tensor; state: S } | Promise<{ v: Tensor; state: S }>

  /** Copies a resident state out. */
  protected abstract readState(state: S, shape: Shape): Promise<LIState>

  /** Frees a resident state's runtime memory (no-op where the garbage collector does it). */
  protected abstract releaseState(state: S): void

  /** Frees the layer's runtime resources (sessions, buffers). */
  protected abstract release(): Promise<void>

  /**
   * @internal for LayerStateHandle. Not queued behind this layer's calls: states are immutable and
   * `readState` never runs the layer's session, so a read cannot disturb a call in flight, and two
   * busy layers given each other's handles cannot wait on each other for ever.
   */
  readResident(state: S, shape: Shape): Promise<LIState> {
    if (this.#disposed) return Promise.reject(this.#disposedError('read a state of'))
    // Started now, not after a tick: a handle disposed right after read() was called (its memory
    // freed, then reused by the next step) is still read as it was.
    let reading: Promise<LIState>
    try {
      reading = this.readState(state, shape)
    } catch (error) {
      reading = Promise.reject(error)
    }
    const read = reading.catch((error: unknown) => {
      if (error instanceof LeakyError) throw error
      throw new BackendError(`${this.backend}: reading a state failed (${messageOf(error)})`, {
        cause: error,
      })
    })
    this.#reads.add(read)
    const forget = () => this.#reads.delete(read)
    read.then(forget, forget)
    return read
  }

  /** @internal for LayerStateHandle */
  releaseResident(state: S): void {
    if (!this.#disposed) this.releaseState(state)
  }

  /** Sync except for another layer's handle, which has to be read out first. */
  #start(state: LIState | StateHandle | undefined, batch: Shape): StartState<S> | Promise<StartState<S>> {
    if (state === undefined) return { kind: 'plain', state: initialState(this.spec, batch) }
    if (!isHandle(state)) {
      checkState(this.spec, state, batch)
      return { kind: 'plain', state }
    }
    if (state.disposed) throw new DisposedError('this state handle was disposed')
    if (!isStateShape(state.shape, batch, this.spec.neurons)) {
      throw new ShapeError(
        `state must be ${formatShape(stateShape(this.spec, batch))} for this input, got ${formatShape(state.shape)}`,
      )
    }
    if (state instanceof LayerStateHandle && state.owner === this)
      return { kind: 'resident', value: state.value }
    if (state instanceof PlainStateHandle && state.owner === this)
      return { kind: 'plain', state: state.state }
    // Another layer's handle (another backend's, or of another copy of @leaky/core): read it out,
    // then use it as plain data. The read never waits on its owner's queue (see readResident).
    return state.read().then((plain): StartState<S> => {
      checkState(this.spec, plain, batch)
      return { kind: 'plain', state: plain }
    })
  }

  /**
   * Whether a call made now will not start at once: the layer is busy, or the state is a handle of
   * another layer, to be read first. Such a call works on copies of the caller's arrays.
   */
  #mustWait(state: unknown): boolean {
    if (this.#pending > 0) return true
    if (state === undefined || !isHandle(state)) return false
    return !((state instanceof LayerStateHandle || state instanceof PlainStateHandle) && state.owner === this)
  }

  /** Zero steps or a zero-size batch: the start state, copied, and no voltages. */
  async #nothingToRun(
    steps: number,
    batch: Shape,
    start: StartState<S>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const state = start.kind === 'plain' ? copyState(start.state) : await this.readState(start.value, shape)
    const outShape = [steps, ...shape]
    const voltages = { data: options.output ?? new Float32Array(0), shape: outShape }
    return {
      voltages,
      state,
      ...(options.recordStates
        ? { states: { v: voltages, i: { data: new Float32Array(0), shape: outShape } } }
        : {}),
    }
  }

  /**
   * Runs calls one at a time in arrival order. An idle layer starts the call at once, and work that
   * finishes synchronously (a small step) returns a settled promise without touching the queue; a
   * busy layer chains the call behind the last one.
   */
  #serialize<T>(work: () => T | Promise<T>): Promise<T> {
    if (this.#disposed) return Promise.reject(this.#disposedError('use'))
    if (this.#pending === 0) {
      // Counted while it runs, so that a call made meanwhile (from a getter of the caller's tensor) queues.
      this.#pending++
      let now: T | Promise<T>
      try {
        now = work()
      } catch (error) {
        this.#pending--
        return Promise.reject(this.#failure(error))
      }
      if (!(now instanceof Promise)) {
        this.#pending--
        return Promise.resolve(now)
      }
      return this.#enqueue(this.#settle(() => now))
    }
    this.#pending++
    const later = () => {
      if (this.#disposed) throw this.#disposedError('use')
      return work()
    }
    return this.#enqueue(this.#queue.then(() => this.#settle(later)))
  }

  /** The call's outcome, its failure typed; the layer stops counting the call once it has settled. */
  async #settle<T>(work: () => T | Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw this.#failure(error)
    } finally {
      this.#pending--
    }
  }

  #enqueue<T>(result: Promise<T>): Promise<T> {
    this.#queue = result.catch(() => undefined)
    return result
  }

  #failure(error: unknown): LeakyError {
    if (error instanceof LeakyError) return error
    return new BackendError(
      `${this.backend}: the runtime failed (${messageOf(error)}); the call had no effect and the layer is still usable`,
      { cause: error },
    )
  }

  #disposedError(verb: string): DisposedError {
    return new DisposedError(`cannot ${verb} a ${this.backend} layer after dispose()`)
  }
}

/** A StateHandle, told apart structurally: a handle of another copy of core is no LayerStateHandle. */
function isHandle(state: unknown): state is StateHandle {
  if (typeof state !== 'object' || state === null) return false
  const h = state as Partial<StateHandle> & { v?: unknown }
  return typeof h.read === 'function' && 'disposed' in h && h.v === undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Whether a handle's shape is [...batch, neurons] (compared in place: a step allocates no shape for it). */
function isStateShape(shape: unknown, batch: Shape, neurons: number): boolean {
  if (!Array.isArray(shape) || shape.length !== batch.length + 1 || shape[batch.length] !== neurons)
    return false
  for (let k = 0; k < batch.length; k++) if (shape[k] !== batch[k]) return false
  return true
}

/** SharedArrayBuffer where the platform has it (pages that are not cross-origin isolated do not). */
const Shared: SharedArrayBufferConstructor | undefined =
  typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined

/** Whether an array lives in a SharedArrayBuffer (another thread may write it while the engine reads). */
function isShared(data: Float32Array): boolean {
  return Shared !== undefined && data.buffer instanceof Shared
}

/** True when the array is the whole of an ordinary buffer: transferring it detaches nothing else. */
function ownsItsMemory(data: Float32Array): boolean {
  const buffer = data.buffer
  return (
    data.byteOffset === 0 &&
    data.byteLength === buffer.byteLength &&
    !(Shared !== undefined && buffer instanceof Shared)
  )
}

/**
 * The tensor a call will read: the caller's own when it starts at once, else a copy taken now.
 * SharedArrayBuffer-backed data is always copied into an ordinary buffer. Anything that is not a
 * Float32Array tensor is passed on as it is, for the checks to reject.
 */
function snapshot<T>(value: T, always: boolean, engineMemory: (data: Float32Array) => boolean): T {
  const t = value as Partial<Tensor> | null | undefined
  if (typeof t !== 'object' || t === null || !(t.data instanceof Float32Array)) return value
  if (!always && (!isShared(t.data) || engineMemory(t.data))) return value
  // slice() of a shared array is an ordinary one (its species constructor allocates a new ArrayBuffer).
  return { data: t.data.slice(), shape: Array.isArray(t.shape) ? [...t.shape] : t.shape } as T
}

function snapshotState<T>(state: T, always: boolean, engineMemory: (data: Float32Array) => boolean): T {
  const s = state as Partial<LIState> | null | undefined
  if (typeof s !== 'object' || s === null || !('v' in s) || !('i' in s)) return state
  const v = snapshot(s.v, always, engineMemory)
  const i = snapshot(s.i, always, engineMemory)
  return v === s.v && i === s.i ? state : ({ v, i } as T)
}

function copyState(s: LIState): LIState {
  return { v: { data: s.v.data.slice(), shape: s.v.shape }, i: { data: s.i.data.slice(), shape: s.i.shape } }
}

function ownedTensor(t: Tensor): Tensor {
  // slice() is the cheapest copy into a buffer of its own (~1 µs for 1000 floats, less than new Float32Array(view)).
  return ownsItsMemory(t.data) ? t : { data: t.data.slice(), shape: t.shape }
}

/** Every tensor of a run's result owning its memory; a shared `output` buffer filled from the engine's. */
function ownedResult(result: RunResult, output: Float32Array | undefined): RunResult {
  let voltages = result.voltages
  if (output !== undefined && voltages.data !== output) {
    output.set(voltages.data)
    voltages = { data: output, shape: voltages.shape }
  } else if (output === undefined) voltages = ownedTensor(voltages)
  const state = { v: ownedTensor(result.state.v), i: ownedTensor(result.state.i) }
  if (!result.states) return { voltages, state }
  const states = {
    v: result.states.v === result.voltages ? voltages : ownedTensor(result.states.v),
    i: ownedTensor(result.states.i),
  }
  return { voltages, state, states }
}

/**
 * The state of a zero-size batch: plain (there is nothing for an engine to hold), owned by the layer
 * so that it dies with it.
 */
class PlainStateHandle implements StateHandle {
  readonly owner: BaseLayer<unknown>
  readonly shape: Shape
  readonly state: LIState
  #disposed = false

  constructor(owner: BaseLayer<unknown>, shape: Shape, state: LIState) {
    this.owner = owner
    this.shape = shape
    this.state = state
  }

  get disposed(): boolean {
    return this.#disposed || this.owner.disposed
  }

  read(): Promise<LIState> {
    if (this.#disposed) return Promise.reject(new DisposedError('this state handle was disposed'))
    if (this.owner.disposed)
      return Promise.reject(
        new DisposedError(`cannot read a state of a ${this.owner.backend} layer after dispose()`),
      )
    return Promise.resolve(copyState(this.state))
  }

  dispose(): void {
    this.#disposed = true
  }
}

class LayerStateHandle<S> implements StateHandle {
  readonly owner: BaseLayer<S>
  readonly shape: Shape
  /**
   * The engine's state; let go at dispose(), so that a disposed handle holds nothing of the engine
   * (which may then reuse what it gave this handle for a later state).
   */
  #value: S | undefined
  #disposed = false

  constructor(owner: BaseLayer<S>, shape: Shape, value: S) {
    this.owner = owner
    this.shape = shape
    this.#value = value
  }

  /** The engine's state; only for a handle that is not disposed. */
  get value(): S {
    return this.#value as S
  }

  get disposed(): boolean {
    return this.#disposed || this.owner.disposed
  }

  read(): Promise<LIState> {
    if (this.#disposed) return Promise.reject(new DisposedError('this state handle was disposed'))
    return this.owner.readResident(this.#value as S, this.shape)
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    const value = this.#value as S
    this.#value = undefined
    this.owner.releaseResident(value)
  }
}
