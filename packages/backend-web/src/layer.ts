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
import { acquireSession, releaseSession, type SessionRequest } from './sessions.js'

/** A session step's state. On WebGPU `i` is a GPU buffer, kept there between steps. */
interface Tensors {
  readonly v: OrtTensor
  readonly i: OrtTensor
}

/** Where a step's state lives: plain arrays (after a JS-loop step), or onnxruntime tensors. */
type WebState =
  | { readonly kind: 'plain'; readonly state: LIState }
  | { readonly kind: 'ort'; readonly tensors: Tensors }

/**
 * Which engine runs what (wasm), from `pnpm bench:web` and the engine measurements in the package
 * README: a wasm session call costs tens of µs, so small steps run core's fused JS loop (the same
 * float32 math, bit for bit); sequences of small layers run the chunked parallel graph (one GEMM per
 * chunk); large layers the exact Scan graph. WebGPU runs the parallel graph: it has no Scan kernel.
 */
export const ENGINE_LIMITS = {
  /** batch·N up to which a wasm step runs the JS loop instead of a session call. */
  jsStepMaxWork: 200_000,
  /** batch·N up to which a wasm sequence with scalar parameters runs the chunked parallel graph. */
  chunkedMaxWork: 20_000,
  /** WebGPU sequences shorter than this run the doubling graph, not the chunked one. */
  gpuChunkedMinSteps: 64,
}

/**
 * GPU tensors of states nobody disposed: when a state's handle is garbage-collected, its buffers go
 * back to onnxruntime. The held value is the tensor pair (never the state, which is the target).
 */
const orphans = new FinalizationRegistry<{ tensors: Tensors; live: Set<Tensors> }>(({ tensors, live }) => {
  if (live.delete(tensors)) disposeTensors(tensors)
})

function disposeTensors(t: Tensors): void {
  t.v.dispose()
  t.i.dispose()
}

export class WebLayer extends BaseLayer<WebState> {
  readonly backend: BackendName
  readonly tolerance: Tolerance
  readonly #device: Device
  readonly #sessions = new Set<string>()
  /** GPU tensors of this layer's live states: freed by handle.dispose(), GC, or layer dispose. */
  readonly #gpu = new Set<Tensors>()

  constructor(spec: ResolvedLayerSpec, device: Device) {
    super(spec)
    this.#device = device
    this.backend = BACKEND_OF[device]
    // The parallel graph (WebGPU, small wasm sequences) rounds differently from Norse's order: 1e-4.
    this.tolerance = { run: device === 'wasm' && !spec.coefficients.scalar ? 1e-5 : 1e-4, step: 1e-5 }
  }

  /** The graph `run` uses for this many rows (batch·N elements per step). */
  sequenceGraph(work: number): GraphKind {
    if (this.#device !== 'wasm') return 'parallel'
    return this.spec.coefficients.scalar && work <= ENGINE_LIMITS.chunkedMaxWork ? 'parallel' : 'sequence'
  }

  /** GPU tensor pairs this layer holds now (for tests: must not grow when handles are disposed). */
  get liveGpuStates(): number {
    return this.#gpu.size
  }

  async #session(request: Omit<SessionRequest, 'device'>) {
    const { key, session } = acquireSession(this.spec, { ...request, device: this.#device })
    if (this.#sessions.has(key)) releaseSession(key)
    else this.#sessions.add(key)
    return session
  }

  protected async runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<WebState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const shape = stateShape(this.spec, batch)
    const work = sizeOf(shape)
    let graph = this.sequenceGraph(work)
    // A parallel graph mixes time steps (a GEMM multiplies later inputs by zeros, and 0·Inf = NaN),
    // so NaN/Inf would spread differently from Norse's order: such inputs take the exact path.
    const exactOnly = graph === 'parallel' && hasNonFinite(xs.data)
    if (exactOnly && this.#device === 'wasm') graph = 'sequence'
    if (steps === 0 || options.recordStates || (exactOnly && graph !== 'sequence')) {
      return this.#runByStepping(xs, steps, batch, start, options)
    }
    const session = await this.#session({
      graph,
      batchRank: batch.length,
      ...(graph === 'parallel' ? { steps, parallel: this.#parallelMethod(steps, batch) } : {}),
    })
    const from = this.#feedable(start, shape)
    const outShape = [steps, ...shape]
    const feeds = {
      [SEQUENCE_IO.xs]: new ort.Tensor('float32', xs.data, xs.shape),
      [SEQUENCE_IO.v0]: from.v,
      [SEQUENCE_IO.i0]: from.i,
    }
    const result = await session.run(feeds)
    const voltages = floats(result[SEQUENCE_IO.voltages])
    if (options.output) options.output.set(voltages)
    return {
      voltages: { data: options.output ?? voltages, shape: outShape },
      state: {
        v: { data: floats(result[SEQUENCE_IO.vFinal]), shape },
        i: { data: floats(result[SEQUENCE_IO.iFinal]), shape },
      },
    }
  }

  /**
   * Zero steps, `recordStates` (the sequence graphs return only the final current), and non-finite
   * inputs on WebGPU: step through time with the step engine, collecting every state. Exact.
   */
  async #runByStepping(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<WebState>,
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
    start: StartState<WebState>,
  ): Promise<{ v: Tensor; state: WebState }> {
    const shape = stateShape(this.spec, batch)
    if (this.#device === 'wasm' && sizeOf(shape) <= ENGINE_LIMITS.jsStepMaxWork) {
      const from =
        start.kind === 'plain'
          ? start.state
          : start.value.kind === 'plain'
            ? start.value.state
            : await this.readState(start.value, shape)
      const state = advance(this.spec, x, batch, from)
      return { v: state.v, state: { kind: 'plain', state } }
    }
    const session = await this.#session({ graph: 'step', batchRank: batch.length })
    const from = this.#feedable(start, shape)
    const result = await session.run({
      [STEP_IO.x]: new ort.Tensor('float32', x.data, x.shape),
      [STEP_IO.v]: from.v,
      [STEP_IO.i]: from.i,
    })
    const tensors = { v: result[STEP_IO.vNew] as OrtTensor, i: result[STEP_IO.iNew] as OrtTensor }
    const state: WebState = { kind: 'ort', tensors }
    if (tensors.i.location === 'gpu-buffer') {
      this.#gpu.add(tensors)
      orphans.register(state, { tensors, live: this.#gpu }, state)
    }
    // v comes back to the CPU (the caller asked for it); on WebGPU i stays on the GPU.
    return { v: { data: floats(tensors.v).slice(), shape }, state }
  }

  protected async readState(state: WebState, shape: Shape): Promise<LIState> {
    if (state.kind === 'plain') return copy(state.state)
    const { v, i } = state.tensors
    // getData() downloads a GPU buffer (the tensor stays usable); CPU tensors are copied.
    const [vd, id] = await Promise.all([v.getData(), i.getData()])
    return {
      v: { data: (vd as Float32Array).slice(), shape },
      i: { data: (id as Float32Array).slice(), shape },
    }
  }

  protected releaseState(state: WebState): void {
    if (state.kind !== 'ort' || !this.#gpu.delete(state.tensors)) return
    orphans.unregister(state)
    disposeTensors(state.tensors)
  }

  protected async release(): Promise<void> {
    for (const tensors of this.#gpu) disposeTensors(tensors)
    this.#gpu.clear()
    for (const key of this.#sessions) releaseSession(key)
    this.#sessions.clear()
  }

  /**
   * wasm: 'auto' (chunked for scalar parameters). WebGPU: doubling with batch dims (the chunked
   * graph's shape arithmetic would go to the CPU), and for short sequences, which chunked pads to a
   * whole chunk: T = 1 at N = 1e6 took 68 s on SwiftShader chunked (a [32, 32]·[32, N] GEMM per call).
   */
  #parallelMethod(steps: number, batch: Shape): 'auto' | 'doubling' {
    if (this.#device === 'wasm') return 'auto'
    return batch.length > 0 || steps < ENGINE_LIMITS.gpuChunkedMinSteps ? 'doubling' : 'auto'
  }

  #feedable(start: StartState<WebState>, shape: Shape): Tensors {
    if (start.kind === 'resident' && start.value.kind === 'ort') return start.value.tensors
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
