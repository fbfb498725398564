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
import { formatShape, type Shape, sameShape, sizeOf, type Tensor } from '../tensor/tensor.js'
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
    return this.#serialize(async () => {
      const { steps, batch } = checkSequence(this.spec, xs)
      checkOutput(this.spec, steps, batch, options, xs)
      const outputs = steps * sizeOf(stateShape(this.spec, batch))
      checkCapacity('this run', [
        options.output ? 0 : outputs,
        options.recordStates ? outputs : 0,
        ...this.extraElements(steps, batch, options),
      ])
      const pending = this.#start(state, batch)
      const start = pending instanceof Promise ? await pending : pending
      return this.runSequence(xs, steps, batch, start, options)
    })
  }

  step(x: Tensor, state?: LIState | StateHandle): Promise<LayerStepResult> {
    return this.#serialize(async () => {
      const batch = checkStepInput(this.spec, x)
      const pending = this.#start(state, batch)
      const start = pending instanceof Promise ? await pending : pending
      const { v, state: next } = await this.runStep(x, batch, start)
      return { v, state: new LayerStateHandle(this, stateShape(this.spec, batch), next) }
    })
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    // Let calls already queued, and state reads, finish (or fail) before the runtime's resources go.
    await this.#queue.catch(() => undefined)
    await Promise.allSettled([...this.#reads])
    await this.release()
  }

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

  /** One step; `x` and the start state are already checked. */
  protected abstract runStep(x: Tensor, batch: Shape, start: StartState<S>): Promise<{ v: Tensor; state: S }>

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
    const read = Promise.resolve()
      .then(() => this.readState(state, shape))
      .catch((error: unknown) => {
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
    const expected = stateShape(this.spec, batch)
    if (!Array.isArray(state.shape) || !sameShape(state.shape, expected)) {
      throw new ShapeError(
        `state must be ${formatShape(expected)} for this input, got ${formatShape(state.shape)}`,
      )
    }
    if (state instanceof LayerStateHandle && state.owner === this)
      return { kind: 'resident', value: state.value as S }
    // Another layer's handle (another backend's, or of another copy of @leaky/core): read it out,
    // then use it as plain data. The read never waits on its owner's queue (see readResident).
    return state.read().then((plain): StartState<S> => {
      checkState(this.spec, plain, batch)
      return { kind: 'plain', state: plain }
    })
  }

  /**
   * Runs calls one at a time in arrival order. An idle layer starts the call at once; a busy one
   * chains it behind the last call (a settled queue costs a step of a small layer nothing).
   */
  #serialize<T>(work: () => Promise<T>): Promise<T> {
    if (this.#disposed) return Promise.reject(this.#disposedError('use'))
    const run = async (): Promise<T> => {
      if (this.#disposed) throw this.#disposedError('use')
      try {
        return await work()
      } catch (error) {
        if (error instanceof LeakyError) throw error
        throw new BackendError(
          `${this.backend}: the runtime failed (${error instanceof Error ? error.message : String(error)}); ` +
            'the call had no effect and the layer is still usable',
          { cause: error },
        )
      } finally {
        this.#pending--
      }
    }
    const result = this.#pending++ === 0 ? run() : this.#queue.then(run)
    this.#queue = result.catch(() => undefined)
    return result
  }

  #disposedError(verb: string): DisposedError {
    return new DisposedError(`cannot ${verb} a ${this.backend} layer after dispose()`)
  }
}

/** A StateHandle, told apart structurally: a handle of another copy of core is no LayerStateHandle. */
function isHandle(state: object): state is StateHandle {
  const h = state as Partial<StateHandle> & { v?: unknown }
  return typeof h.read === 'function' && 'disposed' in h && h.v === undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

class LayerStateHandle<S> implements StateHandle {
  readonly owner: BaseLayer<S>
  readonly shape: Shape
  readonly value: S
  #disposed = false

  constructor(owner: BaseLayer<S>, shape: Shape, value: S) {
    this.owner = owner
    this.shape = shape
    this.value = value
  }

  get disposed(): boolean {
    return this.#disposed || this.owner.disposed
  }

  read(): Promise<LIState> {
    if (this.#disposed) return Promise.reject(new DisposedError('this state handle was disposed'))
    return this.owner.readResident(this.value, this.shape)
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.owner.releaseResident(this.value)
  }
}
