import {
  type BackendName,
  type LIState,
  type ResolvedLayerSpec,
  type RunOptions,
  type RunResult,
  type Shape,
  ShapeError,
  sizeOf,
  type Tensor,
  UnsupportedError,
} from '@leaky/core'
import { BaseLayer, type StartState, simulateChecked, stateShape } from '@leaky/core/backend'
import type { Engine } from './engine.js'
import { OP } from './threads.js'

/** A block of wasm memory holding a state: v then i, `size` floats each. */
interface Block {
  readonly engine: Engine
  readonly address: number
  readonly size: number
  freed: boolean
}

/**
 * What a state handle holds. The layer keeps the blocks (to free them at dispose), never the
 * Resident, so a handle dropped without dispose() is collected and its block freed.
 */
interface Resident {
  readonly block: Block
}

/** The layer's constant data in one engine's memory. */
interface Placement {
  /** Per-neuron a, b, vLeak (3·N floats), or 0 for scalar parameters. */
  readonly coefficients: number
  /** W packed for li.wat's project (packWeights), or 0 for a feed-forward layer. */
  readonly weights: number
  /** 2·K + 32 int32 of scratch for each thread (li.wat's project `idx`). */
  readonly indices: number
  /** A step's input and currents, kept between steps (a step is synchronous, so one per layer does). */
  readonly step: { address: number; floats: number }[]
}

/** Floats per tile when the caller's arrays are copied through wasm memory (256 KiB: x and v stay in L2). */
const TILE_FLOATS = 1 << 16
/** Time steps per tile at least (the kernel walks 8 with its state in registers). */
const TILE_STEPS = 16
/**
 * Floats of x or of currents per slice of a weighted run (4 MiB each, within L3). Each slice costs
 * two hand-offs to the helper thread; at weighted-256, 1 MiB slices (16 steps) ran 21 ms, 4 MiB
 * (64 steps) 18 ms, 16 MiB 17.5 ms, and a whole run's currents (32 MiB, one slice) went to memory.
 */
const SLICE_FLOATS = 1 << 20
/**
 * A weighted row whose active inputs are at most this fraction goes the event-driven way. Measured
 * (packages/wasm-simd/scripts/bench-project.mjs): the two paths take the same time at 0.45 of the
 * inputs active for 1024→1024, above 0.6 for 256→256.
 */
const SPARSE_FRACTION = 0.4
/** Neuron-steps (or multiply-adds) below which a second thread costs more than it gives. */
const PARALLEL_MIN = 1 << 18

const F = 4

/**
 * The wasm-simd layer: the fused kernel of li.wat. Tensors the caller allocated with `allocate()`
 * live in the shared engine and are used where they lie (one kernel call for a whole run); the
 * caller's own arrays go through the plain engine, tile by tile (a tile of x in, the kernel, the tile
 * of v out, all within L2). Everything a call returns owns its memory, except an `output` the
 * caller allocated in engine memory.
 */
export class WasmSimdLayer extends BaseLayer<Resident> {
  readonly backend = 'wasm-simd' as BackendName
  readonly tolerance = { run: 1e-5, step: 1e-5 }
  readonly #plain: Engine
  readonly #shared: Engine | undefined
  readonly #placements = new Map<Engine, Placement>()
  readonly #a: number
  readonly #b: number
  readonly #vl: number
  readonly #live = new Set<Block>()
  readonly #lent: { address: number; bytes: number }[] = []
  readonly #finalizer = new FinalizationRegistry<Block>((b) => this.#freeBlock(b))

  constructor(spec: ResolvedLayerSpec, plain: Engine, shared: Engine | undefined) {
    super(spec)
    this.#plain = plain
    this.#shared = shared
    const { a, b, vLeak } = spec.coefficients
    this.#a = a[0] as number
    this.#b = b[0] as number
    this.#vl = vLeak[0] as number
    this.#place(plain)
  }

  /**
   * A tensor of `shape` in wasm memory: passed to run/step as input, or as run's `output`, it is
   * used in place. It stays valid when the memory grows, and until this layer is disposed.
   */
  /** Arrays of `allocate()` go to the kernel where they lie (BaseLayer would copy shared memory). */
  protected override isEngineMemory(data: Float32Array): boolean {
    return this.#shared?.owns(data) ?? false
  }

  /**
   * A zero-filled tensor in the shared wasm memory: run/step read it where it lies, and an `output`
   * there is written in place. Valid until the layer is disposed; memory growth never detaches it.
   */
  allocate(shape: Shape): Tensor {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new ShapeError(`allocate: shape must be an array of integers >= 0, got ${String(shape)}`)
    const engine = this.#shared
    if (!engine)
      throw new UnsupportedError(
        'wasm-simd: allocate() needs a shared WebAssembly.Memory (Node, or a cross-origin-isolated page): ' +
          'growing a plain one would detach the tensors it lent',
      )
    const size = sizeOf(shape)
    const bytes = size * F
    const address = engine.alloc(bytes)
    this.#lent.push({ address, bytes })
    void engine.heap // records the buffer as the engine's
    return { data: new Float32Array(engine.memory.buffer, address, size), shape: [...shape] }
  }

  protected override extraElements(steps: number, batch: Shape): number[] {
    // Wasm memory beyond the output (which the base class counts): two tiles (a weighted layer: a
    // slice of x and of currents, #weighted) and the state.
    const width = sizeOf(batch) * this.spec.neurons
    if (this.spec.weights && steps > 0) {
      const rows = sizeOf(batch)
      const slice = Math.min(steps, weightedSlice(rows, this.spec.inputs, this.spec.neurons))
      return [slice * rows * this.spec.inputs, slice * width, 2 * width]
    }
    return [steps > 0 ? 2 * TILE_FLOATS : 0, 2 * width]
  }

  protected async runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<Resident>,
    options: RunOptions,
  ): Promise<RunResult> {
    if (options.recordStates) {
      // i after every step is not in the kernel: the js loop gives the same bits.
      const plain =
        start.kind === 'plain' ? start.state : await this.readState(start.value, stateShape(this.spec, batch))
      return simulateChecked(this.spec, xs, steps, batch, plain, options)
    }
    const shape = stateShape(this.spec, batch)
    const width = sizeOf(shape)
    const out = options.output ?? new Float32Array(steps * width)
    const shared = this.#shared
    // Weighted layers are compute-bound: the copies of the caller's arrays into the shared memory
    // (slower than into a plain one) cost little beside a second thread on x·Wᵀ.
    const inShared =
      shared && (shared.owns(xs.data) || shared.owns(out) || (this.spec.weights && shared.helper))
    const engine = inShared ? shared : this.#plain
    const place = this.#place(engine)
    const state = engine.alloc(2 * width * F)
    try {
      this.#load(engine, start, state, width)
      if (steps > 0) {
        if (this.spec.weights)
          await this.#weighted(engine, place, xs.data, out, steps, sizeOf(batch), state, width)
        else await this.#feedForward(engine, place, xs.data, out, steps, sizeOf(batch), state, width)
      }
      const heap = engine.heap
      const at = state / F
      return {
        voltages: { data: out, shape: [steps, ...shape] },
        state: {
          v: { data: heap.slice(at, at + width), shape },
          i: { data: heap.slice(at + width, at + 2 * width), shape },
        },
      }
    } finally {
      engine.free(state, 2 * width * F)
    }
  }

  protected async runStep(x: Tensor, batch: Shape, start: StartState<Resident>) {
    const shared = this.#shared
    const engine = shared?.owns(x.data) ? shared : this.#plain
    const place = this.#place(engine)
    const shape = stateShape(this.spec, batch)
    const width = sizeOf(shape)
    const rows = sizeOf(batch)
    const bytes = 2 * width * F
    const block: Block = { engine, address: engine.alloc(bytes), size: width, freed: false }
    try {
      let vIn = block.address
      if (start.kind === 'resident' && start.value.block.engine === engine) vIn = start.value.block.address
      else this.#load(engine, start, block.address, width)
      let input: number
      if (engine.owns(x.data)) input = x.data.byteOffset
      else {
        input = this.#stepScratch(engine, place, 0, x.data.length)
        engine.heap.set(x.data, input / F)
      }
      if (this.spec.weights) {
        const currents = this.#stepScratch(engine, place, 1, width)
        this.#project(engine, place, input, rows, currents)
        input = currents
      }
      const vOut = block.address
      this.#kernel(
        engine,
        place,
        input,
        vOut,
        width,
        vIn,
        vIn + width * F,
        vOut,
        vOut + width * F,
        width,
        rows,
        1,
      )
    } catch (error) {
      engine.free(block.address, bytes)
      throw error
    }
    this.#live.add(block)
    const resident: Resident = { block }
    this.#finalizer.register(resident, block, block)
    const v = takeFloats(width)
    v.set(engine.heap.subarray(block.address / F, block.address / F + width))
    return { v: { data: v, shape }, state: resident }
  }

  protected async readState(state: Resident, shape: Shape): Promise<LIState> {
    const { engine, address, size } = state.block
    const heap = engine.heap
    const at = address / F
    return {
      v: { data: heap.slice(at, at + size), shape },
      i: { data: heap.slice(at + size, at + 2 * size), shape },
    }
  }

  protected releaseState(state: Resident): void {
    this.#finalizer.unregister(state.block)
    this.#freeBlock(state.block)
  }

  protected async release(): Promise<void> {
    for (const b of [...this.#live]) {
      this.#finalizer.unregister(b)
      this.#freeBlock(b)
    }
    if (this.#shared) for (const block of this.#lent.splice(0)) this.#shared.free(block.address, block.bytes)
    const N = this.spec.neurons
    for (const [engine, place] of this.#placements) {
      for (const block of place.step) engine.free(block.address, block.floats * F)
      if (place.coefficients) engine.free(place.coefficients, 3 * N * F)
      if (place.weights) {
        engine.free(place.weights, packedWeightFloats(this.spec.inputs, N) * F)
        engine.free(place.indices, 2 * indexInts(this.spec.inputs) * F)
      }
    }
    this.#placements.clear()
  }

  /** The layer's parameters and Wᵀ in `engine`'s memory, put there on first use. */
  #place(engine: Engine): Placement {
    const known = this.#placements.get(engine)
    if (known) return known
    const { spec } = this
    const { a, b, vLeak, scalar } = spec.coefficients
    const N = spec.neurons
    const K = spec.inputs
    const coefficients = scalar ? 0 : engine.alloc(3 * N * F)
    const weights = spec.weights ? engine.alloc(packedWeightFloats(K, N) * F) : 0
    const indices = spec.weights ? engine.alloc(2 * indexInts(K) * F) : 0
    const heap = engine.heap
    if (coefficients) {
      heap.set(a, coefficients / F)
      heap.set(b, coefficients / F + N)
      heap.set(vLeak, coefficients / F + 2 * N)
    }
    if (spec.weights) packWeights(spec.weights.data, N, K, heap, weights / F)
    const place = { coefficients, weights, indices, step: [] }
    this.#placements.set(engine, place)
    return place
  }

  /** Step scratch block `slot` of at least `floats` floats. */
  #stepScratch(engine: Engine, place: Placement, slot: number, floats: number): number {
    const known = place.step[slot]
    if (known && known.floats >= floats) return known.address
    if (known) engine.free(known.address, known.floats * F)
    const block = { address: engine.alloc(floats * F), floats }
    place.step[slot] = block
    return block.address
  }

  #freeBlock(b: Block): void {
    if (b.freed) return
    b.freed = true
    this.#live.delete(b)
    b.engine.free(b.address, 2 * b.size * F)
  }

  /** The start state into [v | i] at `address` of `engine`. */
  #load(engine: Engine, start: StartState<Resident>, address: number, width: number): void {
    const heap = engine.heap
    const at = address / F
    if (start.kind === 'resident') {
      const from = start.value.block
      const source = from.engine.heap.subarray(from.address / F, from.address / F + 2 * width)
      if (from.engine === engine) heap.copyWithin(at, from.address / F, from.address / F + 2 * width)
      else heap.set(source, at)
    } else {
      heap.set(start.state.v.data, at)
      heap.set(start.state.i.data, at + width)
    }
  }

  /** The LI update on `steps` rows of x at `x` (rows `stride` floats apart) into out. */
  #kernel(
    engine: Engine,
    place: Placement,
    x: number,
    out: number,
    stride: number,
    vIn: number,
    iIn: number,
    vOut: number,
    iOut: number,
    count: number,
    rows: number,
    steps: number,
    coefficientOffset = 0,
  ): void {
    const k = engine.kernels
    if (!place.coefficients) {
      k.li_scalar(x, out, stride, vIn, iIn, vOut, iOut, count, steps, this.#a, this.#b, this.#vl)
      return
    }
    const N = this.spec.neurons
    const c = place.coefficients + coefficientOffset * F
    k.li_vector(x, out, stride, vIn, iIn, vOut, iOut, count / rows, rows, steps, c, c + N * F, c + 2 * N * F)
  }

  async #feedForward(
    engine: Engine,
    place: Placement,
    x: Float32Array,
    out: Float32Array,
    steps: number,
    rows: number,
    state: number,
    width: number,
  ) {
    const vi = state
    const ii = state + width * F
    if (engine.owns(x) && engine.owns(out)) {
      // Zero-copy: the whole sequence in one call (two with a helper thread), where the arrays lie.
      await this.#kernelParallel(
        engine,
        place,
        x.byteOffset,
        out.byteOffset,
        width,
        state,
        width,
        rows,
        steps,
      )
      return
    }
    // Tiles of ts steps × span neurons through one scratch block: narrow layers copy whole
    // contiguous time slices; wide ones a piece of each row.
    const N = this.spec.neurons
    const perNeuron = place.coefficients !== 0
    const wide = width * TILE_STEPS > TILE_FLOATS
    // With per-neuron parameters a tile holds whole rows, or a piece of one row.
    let span = wide ? TILE_FLOATS / TILE_STEPS : width
    if (perNeuron && wide) span = N >= span ? span : N * Math.floor(span / N)
    const ts = Math.max(TILE_STEPS, Math.floor(TILE_FLOATS / span))
    const scratchBytes = ts * span * F
    const scratch = engine.alloc(scratchBytes)
    try {
      const heap = engine.heap
      const s = scratch / F
      for (let t0 = 0; t0 < steps; t0 += ts) {
        const tn = Math.min(ts, steps - t0)
        for (let c0 = 0; c0 < width; ) {
          // A tile never crosses a row's end when parameters are per neuron and rows are long.
          const rowEnd = perNeuron && N > span ? (Math.floor(c0 / N) + 1) * N : width
          const len = Math.min(span, width - c0, rowEnd - c0)
          if (len === width) heap.set(x.subarray(t0 * width, (t0 + tn) * width), s)
          else
            for (let t = 0; t < tn; t++) {
              const from = (t0 + t) * width + c0
              heap.set(x.subarray(from, from + len), s + t * len)
            }
          const tileRows = perNeuron ? (N > span ? 1 : len / N) : 1
          this.#kernel(
            engine,
            place,
            scratch,
            scratch,
            len,
            vi + c0 * F,
            ii + c0 * F,
            vi + c0 * F,
            ii + c0 * F,
            len,
            tileRows,
            tn,
            perNeuron && N > span ? c0 % N : 0,
          )
          if (len === width) out.set(heap.subarray(s, s + tn * width), t0 * width)
          else
            for (let t = 0; t < tn; t++)
              out.set(heap.subarray(s + t * len, s + (t + 1) * len), (t0 + t) * width + c0)
          c0 += len
        }
      }
    } finally {
      engine.free(scratch, scratchBytes)
    }
  }

  /**
   * #kernel over a whole [v | i] state at `state` (in place), split with the engine's helper thread
   * when it has one and the call is large enough: the helper takes the upper half of the rows (or of
   * the neurons), this thread the lower half.
   */
  async #kernelParallel(
    engine: Engine,
    place: Placement,
    x: number,
    out: number,
    stride: number,
    state: number,
    count: number,
    rows: number,
    steps: number,
  ): Promise<void> {
    const v = state
    const i = state + count * F
    if (!engine.helper || count * steps < PARALLEL_MIN || count < 32) {
      this.#kernel(engine, place, x, out, stride, v, i, v, i, count, rows, steps)
      return
    }
    const k = engine.kernels
    await engine.withHelper((helper) => {
      const N = this.spec.neurons
      const c = place.coefficients
      if (!c) {
        const n0 = Math.floor(count / 32) * 16
        const o = n0 * F
        helper.post(
          OP.li_scalar,
          [x + o, out + o, stride, v + o, i + o, v + o, i + o, count - n0, steps],
          [this.#a, this.#b, this.#vl],
        )
        k.li_scalar(x, out, stride, v, i, v, i, n0, steps, this.#a, this.#b, this.#vl)
      } else if (rows >= 2) {
        const r0 = rows >> 1
        const o = r0 * N * F
        const args = [
          x + o,
          out + o,
          stride,
          v + o,
          i + o,
          v + o,
          i + o,
          N,
          rows - r0,
          steps,
          c,
          c + N * F,
          c + 2 * N * F,
        ]
        helper.post(OP.li_vector, args)
        k.li_vector(x, out, stride, v, i, v, i, N, r0, steps, c, c + N * F, c + 2 * N * F)
      } else {
        const n0 = Math.floor(count / 32) * 16
        const o = n0 * F
        const p = [c + o, c + N * F + o, c + 2 * N * F + o]
        helper.post(OP.li_vector, [
          x + o,
          out + o,
          stride,
          v + o,
          i + o,
          v + o,
          i + o,
          count - n0,
          1,
          steps,
          ...p,
        ])
        k.li_vector(x, out, stride, v, i, v, i, n0, 1, steps, c, c + N * F, c + 2 * N * F)
      }
      return helper.wait()
    })
  }

  /** #project split by rows with the helper thread (each with its own index scratch). */
  async #projectParallel(
    engine: Engine,
    place: Placement,
    x: number,
    rows: number,
    into: number,
  ): Promise<void> {
    const K = this.spec.inputs
    const N = this.spec.neurons
    if (!engine.helper || rows < 2 || rows * K * N < PARALLEL_MIN) {
      this.#project(engine, place, x, rows, into)
      return
    }
    const limit = Math.floor(K * SPARSE_FRACTION)
    await engine.withHelper((helper) => {
      const m0 = rows >> 1
      helper.post(OP.project, [
        x + m0 * K * F,
        rows - m0,
        K,
        place.weights,
        N,
        into + m0 * N * F,
        place.indices + indexInts(K) * F,
        limit,
      ])
      engine.kernels.project(x, m0, K, place.weights, N, into, place.indices, limit)
      return helper.wait()
    })
  }

  /** x·Wᵀ for `rows` rows of x at `x` into `into` (the event-driven path for sparse rows). */
  #project(engine: Engine, place: Placement, x: number, rows: number, into: number): void {
    const K = this.spec.inputs
    const limit = Math.floor(K * SPARSE_FRACTION)
    engine.kernels.project(x, rows, K, place.weights, this.spec.neurons, into, place.indices, limit)
  }

  async #weighted(
    engine: Engine,
    place: Placement,
    x: Float32Array,
    out: Float32Array,
    steps: number,
    rows: number,
    state: number,
    width: number,
  ) {
    const K = this.spec.inputs
    // Slices of whole time steps, so that the currents x·Wᵀ writes are still in cache when the
    // update reads them: x (read where it lies if the caller allocated it in wasm memory, else
    // copied in), currents into the output (if it lies in wasm memory, else into scratch), the
    // update in place, then v out to the caller's array.
    const slice = weightedSlice(rows, K, this.spec.neurons)
    const xInPlace = engine.owns(x)
    const outInPlace = engine.owns(out)
    const xBytes = xInPlace ? 0 : slice * rows * K * F
    const cBytes = outInPlace ? 0 : slice * width * F
    const xs = xBytes ? engine.alloc(xBytes) : 0
    const cs = cBytes ? engine.alloc(cBytes) : 0
    try {
      for (let t0 = 0; t0 < steps; t0 += slice) {
        const tn = Math.min(slice, steps - t0)
        const xAt = xInPlace ? x.byteOffset + t0 * rows * K * F : xs
        if (!xInPlace) engine.heap.set(x.subarray(t0 * rows * K, (t0 + tn) * rows * K), xs / F)
        const cAt = outInPlace ? out.byteOffset + t0 * width * F : cs
        await this.#projectParallel(engine, place, xAt, tn * rows, cAt)
        await this.#kernelParallel(engine, place, cAt, cAt, width, state, width, rows, tn)
        // After an await the memory may have grown (another layer's call): a fresh view.
        if (!outInPlace) out.set(engine.heap.subarray(cs / F, cs / F + tn * width), t0 * width)
      }
    } finally {
      if (cBytes) engine.free(cs, cBytes)
      if (xBytes) engine.free(xs, xBytes)
    }
  }
}

/** Time steps per slice of a weighted run of `rows` rows, K inputs, N neurons. */
function weightedSlice(rows: number, K: number, N: number): number {
  return Math.max(1, Math.floor(SLICE_FLOATS / (rows * Math.max(K, N))))
}

/** Outputs per panel of packed weights (li.wat's project). */
const PANEL = 32

/** Floats of W packed by packWeights. */
export function packedWeightFloats(inputs: number, neurons: number): number {
  return Math.ceil(neurons / PANEL) * inputs * PANEL
}

/** The int32 of scratch li.wat's project needs per thread (`idx`). */
export function indexInts(inputs: number): number {
  return 2 * inputs + 32
}

/**
 * W ([neurons, inputs]) into `heap` from float `at`, as li.wat's project reads it: Wᵀ in panels of
 * 32 outputs, panel p = [inputs, 32] (row k: W[32p .. 32p + 31, k]), zero past the last neuron.
 *
 * @internal exported for tests and benchmarks.
 */
export function packWeights(
  w: Float32Array,
  neurons: number,
  inputs: number,
  heap: Float32Array,
  at: number,
) {
  heap.fill(0, at, at + packedWeightFloats(inputs, neurons))
  for (let n = 0; n < neurons; n++) {
    const base = at + Math.floor(n / PANEL) * inputs * PANEL + (n % PANEL)
    for (let k = 0; k < inputs; k++) heap[base + k * PANEL] = w[n * inputs + k] as number
  }
}

/** Cut from for step outputs: a typed array of its own per step costs as much as a small step. */
let slab = new Float32Array(0)
let slabUsed = 0

function takeFloats(length: number): Float32Array {
  if (length > 4096) return new Float32Array(length)
  if (slabUsed + length > slab.length) {
    slab = new Float32Array(1 << 16)
    slabUsed = 0
  }
  const view = slab.subarray(slabUsed, slabUsed + length)
  slabUsed += length
  return view
}
