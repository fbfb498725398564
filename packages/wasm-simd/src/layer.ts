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
import { type Helper, OP } from './threads.js'

/** A tile of the caller's sequence: steps t0…t0+tn of floats c0…c0+len of each row. */
interface Tile {
  readonly t0: number
  readonly tn: number
  readonly c0: number
  readonly len: number
  /** Rows of N neurons in the tile (per-neuron parameters), and the first neuron's index. */
  readonly rows: number
  readonly offset: number
}

/** #kernel's arguments after engine and placement: x, out, stride, vIn, iIn, vOut, iOut, count, rows, steps, first neuron. */
type KernelArgs = [number, number, number, number, number, number, number, number, number, number, number]

/**
 * A block of wasm memory holding a state: v then i, `size` floats each. The layer's live blocks
 * form a list through `prev`/`next` (linking costs a step less than a Set).
 */
interface Block {
  readonly engine: Engine
  readonly address: number
  readonly size: number
  freed: boolean
  prev: Block | undefined
  next: Block | undefined
}

/**
 * What a state handle holds: a cell naming its block. The layer keeps the blocks (to free them at
 * dispose), never a Resident in use, so a handle dropped without dispose() is collected and the
 * finalizer frees its cell's block. A Resident is registered with the finalizer once: when its
 * handle is disposed (which lets go of it) the layer reuses it for a later state, and a step in a
 * loop that disposes its states registers nothing.
 */
interface Resident {
  readonly cell: Cell
}

/** The finalizer's held value for a Resident (it must not reach the Resident itself). */
interface Cell {
  block: Block | undefined
}

/** Residents kept for reuse at most (a few cover a step loop; more would only hold memory). */
const SPARE_RESIDENTS = 16

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

/**
 * Tiles of the caller's arrays copied through wasm memory: floats per tile, and time steps per tile
 * at least (the kernel walks 8 with its state in registers). On one thread a tile is copied in,
 * updated and copied out by the same core, so it stays in L2 (256 KiB).
 */
const TILE = { floats: 1 << 16, steps: 16 }
/**
 * Pipelined, the copies bound the run and every tile costs a hand-off to the helper: larger tiles,
 * three in L3. Whole rows where four fit in 4 MiB (contiguous copies: ff-1e5 ran 54 ms against 61–72 ms
 * in pieces of 2 MiB), else pieces of four rows, 2 MiB (ff-1e6: 137 ms against 143–159 ms in whole
 * rows of 4 MiB). At least ~8 tiles, so that a smaller run still overlaps.
 */
function pipelinedTile(steps: number, width: number): typeof TILE {
  const floats = width * 4 <= 1 << 20 ? 1 << 20 : 1 << 19
  const eighth = 2 ** Math.floor(Math.log2((steps * width) / 8))
  return { floats: Math.max(TILE.floats, Math.min(floats, eighth)), steps: 4 }
}
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
/**
 * Pieces a parallel call is cut into, claimed one by one by this thread and the helper: enough that
 * a thread held up (descheduled, or slower) leaves its share to the other, few enough that claiming
 * costs nothing (an atomic add each).
 */
const SPLIT_PIECES = 16
/**
 * Floats of a time step a piece spans at least: narrower pieces stream rows in short runs and lost
 * to one thread (zero-copy, N=16000 T=1000: 16-neuron-aligned pieces of 1000 7.7 ms, one thread
 * 7.4, pieces of ≥ 2048 5.4 ms; N=4000: 1.8 / 1.8 / 1.2 ms). A narrower call stays on one thread.
 */
const PIECE_FLOATS = 2048
/** Neuron-steps (or multiply-adds) below which a second thread costs more than it gives. */
const PARALLEL_MIN = 1 << 18
/**
 * Neuron-steps below which the caller's arrays stay on one thread: a run of 1e6 neuron-steps
 * (ff-1e3, 0.4 ms) measured no faster pipelined, from 2¹⁸ up (2.1–2.5e9 neuron-steps/s either way,
 * with hand-offs of 1.5 µs): its copies, in cache, cost as much as the kernel.
 */
const PIPELINE_MIN = 1 << 22

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
  /** The first of the live blocks (states not yet freed), to free at dispose. */
  #live: Block | undefined
  readonly #lent: { address: number; bytes: number }[] = []
  readonly #finalizer = new FinalizationRegistry<Cell>((cell) => {
    if (cell.block) this.#freeBlock(cell.block)
  })
  /** Residents of disposed handles, for the next states. */
  readonly #spare: Resident[] = []

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
    // No cache colouring: offsetting the output from x by 2 KiB sped N=1024 in cache up (2.1e9 →
    // 3.0e9 neuron-steps/s) but slowed ff-1e6 (2.13e9 → 1.76e9) and ff-1e5 (2.34e9 → 2.17e9, medians
    // of runs taken in turn), where x and the output lie alike.
    const bytes = size * F
    const address = engine.alloc(bytes)
    this.#lent.push({ address, bytes })
    void engine.heap // records the buffer as the engine's
    return { data: new Float32Array(engine.memory.buffer, address, size), shape: [...shape] }
  }

  protected override extraElements(steps: number, batch: Shape): number[] {
    // Wasm memory beyond the output (which the base class counts): the tiles (a weighted layer: a
    // slice of x and of currents, #weighted) and the state.
    const width = sizeOf(batch) * this.spec.neurons
    if (this.spec.weights && steps > 0) {
      const rows = sizeOf(batch)
      const slice = Math.min(steps, weightedSlice(rows, this.spec.inputs, this.spec.neurons))
      // Two slices of x and of currents: one is copied while the other is computed (#weighted).
      return [2 * slice * rows * this.spec.inputs, 2 * slice * width, 2 * width]
    }
    return [steps > 0 ? 3 * pipelinedTile(steps, width).floats : 0, 2 * width]
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
      // No await before the loop has read xs (BaseLayer's contract: a call that starts at once reads
      // the caller's arrays in place).
      const plain =
        start.kind === 'plain' ? start.state : this.#copyOf(start.value, stateShape(this.spec, batch))
      return simulateChecked(this.spec, xs, steps, batch, plain, options)
    }
    const shape = stateShape(this.spec, batch)
    const width = sizeOf(shape)
    const out = options.output ?? new Float32Array(steps * width)
    const shared = this.#shared
    // Large runs of the caller's arrays go through the shared memory when it has a helper thread:
    // it computes (or takes half of x·Wᵀ) while this thread copies.
    const inShared =
      shared &&
      (shared.owns(xs.data) ||
        shared.owns(out) ||
        (shared.helper && (this.spec.weights || steps * width >= PIPELINE_MIN)))
    const engine = inShared ? shared : this.#plain
    // Nothing below yields (the helper's waits are synchronous): the caller's x is read in place.
    const x = xs.data
    const place = this.#place(engine)
    const state = engine.alloc(2 * width * F)
    try {
      this.#load(engine, start, state, width)
      if (steps > 0) {
        if (this.spec.weights) this.#weighted(engine, place, x, out, steps, sizeOf(batch), state, width)
        else this.#feedForward(engine, place, x, out, steps, sizeOf(batch), state, width)
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

  protected runStep(x: Tensor, batch: Shape, start: StartState<Resident>) {
    const inShared = this.#shared?.owns(x.data) === true
    const engine = inShared ? (this.#shared as Engine) : this.#plain
    const place = this.#place(engine)
    const shape = stateShape(this.spec, batch)
    const rows = sizeOf(batch)
    const width = rows * this.spec.neurons
    const bytes = 2 * width * F
    const address = engine.alloc(bytes)
    let heap: Float32Array
    try {
      let input = inShared ? x.data.byteOffset : this.#stepScratch(engine, place, 0, x.data.length)
      const currents = this.spec.weights ? this.#stepScratch(engine, place, 1, width) : 0
      const from = start.kind === 'resident' ? (start.value.cell.block as Block) : undefined
      let vIn = address
      if (from?.engine === engine) vIn = from.address
      else this.#load(engine, start, address, width)
      // Nothing allocates from here on: one view of the memory serves the rest of the step.
      heap = engine.heap
      if (!inShared) heap.set(x.data, input / F)
      if (currents) {
        this.#project(engine, place, input, rows, currents)
        input = currents
      }
      this.#kernel(
        engine,
        place,
        input,
        address,
        width,
        vIn,
        vIn + width * F,
        address,
        address + width * F,
        width,
        rows,
        1,
      )
    } catch (error) {
      engine.free(address, bytes)
      throw error
    }
    const next = this.#live
    const block: Block = { engine, address, size: width, freed: false, prev: undefined, next }
    if (next) next.prev = block
    this.#live = block
    const resident = this.#spare.pop() ?? this.#newResident()
    resident.cell.block = block
    // v in an ArrayBuffer of its own, in one allocation: the caller owns it, it shares nothing with the state.
    const at = address / F
    return { v: { data: heap.slice(at, at + width), shape }, state: resident }
  }

  /** A resident state as plain arrays of its own (synchronously). */
  #copyOf(state: Resident, shape: Shape): LIState {
    const { engine, address, size } = state.cell.block as Block
    const heap = engine.heap
    const at = address / F
    return {
      v: { data: heap.slice(at, at + size), shape },
      i: { data: heap.slice(at + size, at + 2 * size), shape },
    }
  }

  protected async readState(state: Resident, shape: Shape): Promise<LIState> {
    return this.#copyOf(state, shape)
  }

  /** Called once per handle, at its dispose(): the handle has let go of `state`. */
  protected releaseState(state: Resident): void {
    const { cell } = state
    if (cell.block) this.#freeBlock(cell.block)
    cell.block = undefined
    if (this.#spare.length < SPARE_RESIDENTS) this.#spare.push(state)
  }

  protected async release(): Promise<void> {
    // Cells still naming these blocks find them freed when their finalizer runs.
    while (this.#live) this.#freeBlock(this.#live)
    this.#spare.length = 0
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

  #newResident(): Resident {
    const cell: Cell = { block: undefined }
    const resident = { cell }
    this.#finalizer.register(resident, cell)
    return resident
  }

  #freeBlock(b: Block): void {
    if (b.freed) return
    b.freed = true
    const { prev, next } = b
    if (prev) prev.next = next
    else this.#live = next
    if (next) next.prev = prev
    b.prev = undefined
    b.next = undefined
    b.engine.free(b.address, 2 * b.size * F)
  }

  /** The start state into [v | i] at `address` of `engine`. */
  #load(engine: Engine, start: StartState<Resident>, address: number, width: number): void {
    const heap = engine.heap
    const at = address / F
    if (start.kind === 'resident') {
      const from = start.value.cell.block as Block
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

  #feedForward(
    engine: Engine,
    place: Placement,
    x: Float32Array,
    out: Float32Array,
    steps: number,
    rows: number,
    state: number,
    width: number,
  ): void {
    if (engine.owns(x) && engine.owns(out)) {
      // Zero-copy: the whole sequence in one call (split with a helper thread), where the arrays lie.
      this.#kernelParallel(engine, place, x.byteOffset, out.byteOffset, width, state, width, rows, steps)
      return
    }
    const pipelined = engine.helper !== undefined && steps * width >= PIPELINE_MIN
    const size = pipelined ? pipelinedTile(steps, width) : TILE
    const tiles = this.#tiles(place, steps, width, size)
    const tileFloats = tiles.reduce((m, t) => Math.max(m, t.tn * t.len), 0)
    // Three tile buffers when the helper computes one while this thread copies the next in and the
    // previous out (the copies of the caller's arrays, not the kernel, bound this path); one otherwise.
    const buffers = pipelined ? 3 : 1
    const scratchBytes = tileFloats * F
    // Filled inside the try: an allocation that fails frees the ones before it.
    const scratch: number[] = []
    const alone = () => {
      const at = scratch[0] as number
      for (const tile of tiles) {
        this.#copyIn(engine, tile, x, width, at)
        this.#kernel(engine, place, ...this.#tileArgs(tile, at, state, width))
        this.#copyOut(engine, tile, out, width, at)
      }
    }
    try {
      while (scratch.length < buffers) scratch.push(engine.alloc(scratchBytes))
      if (pipelined)
        engine.withHelper(
          (helper) => this.#pipeline(engine, helper, place, tiles, scratch, x, out, state, width),
          alone,
        )
      else alone()
    } finally {
      for (const address of scratch) engine.free(address, scratchBytes)
    }
  }

  /**
   * The tiles through three buffers: the helper updates tile k while this thread copies tile k+1 in
   * and tile k−1 out (a tile the helper did not take in time is updated here).
   */
  #pipeline(
    engine: Engine,
    helper: Helper,
    place: Placement,
    tiles: readonly Tile[],
    scratch: readonly number[],
    x: Float32Array,
    out: Float32Array,
    state: number,
    width: number,
  ): void {
    const at = (k: number) => scratch[k % 3] as number
    this.#copyIn(engine, tiles[0] as Tile, x, width, at(0))
    for (let k = 0; k < tiles.length; k++) {
      const args = this.#tileArgs(tiles[k] as Tile, at(k), state, width)
      const call = this.#kernelCall(place, ...args)
      helper.post(call.op, call.ints, call.floats)
      let done: boolean
      try {
        const next = tiles[k + 1]
        if (next) this.#copyIn(engine, next, x, width, at(k + 1))
        const previous = tiles[k - 1]
        if (previous) this.#copyOut(engine, previous, out, width, at(k - 1))
      } finally {
        // A failed copy still waits for the posted tile: the helper must be idle for the next call.
        done = helper.wait()
      }
      if (!done) this.#kernel(engine, place, ...args)
    }
    this.#copyOut(engine, tiles[tiles.length - 1] as Tile, out, width, at(tiles.length - 1))
  }

  /**
   * The caller's sequence cut into tiles of tn steps × len floats that stay in L2: narrow layers take
   * whole contiguous time slices, wide ones a piece of each row (with per-neuron parameters, whole
   * rows or a piece of one row). Tiles of one column follow each other in time order.
   */
  #tiles(place: Placement, steps: number, width: number, size: typeof TILE): Tile[] {
    const N = this.spec.neurons
    const perNeuron = place.coefficients !== 0
    const wide = width * size.steps > size.floats
    let span = wide ? size.floats / size.steps : width
    if (perNeuron && wide) span = N >= span ? span : N * Math.floor(span / N)
    const ts = Math.max(size.steps, Math.floor(size.floats / span))
    const tiles: Tile[] = []
    for (let t0 = 0; t0 < steps; t0 += ts) {
      const tn = Math.min(ts, steps - t0)
      for (let c0 = 0; c0 < width; ) {
        // A tile never crosses a row's end when parameters are per neuron and rows are long.
        const rowEnd = perNeuron && N > span ? (Math.floor(c0 / N) + 1) * N : width
        const len = Math.min(span, width - c0, rowEnd - c0)
        const split = perNeuron && N > span
        tiles.push({
          t0,
          tn,
          c0,
          len,
          rows: perNeuron ? (split ? 1 : len / N) : 1,
          offset: split ? c0 % N : 0,
        })
        c0 += len
      }
    }
    return tiles
  }

  #copyIn(engine: Engine, tile: Tile, x: Float32Array, width: number, scratch: number): void {
    const { t0, tn, c0, len } = tile
    const heap = engine.heap
    const s = scratch / F
    if (len === width) heap.set(x.subarray(t0 * width, (t0 + tn) * width), s)
    else
      for (let t = 0; t < tn; t++) {
        const from = (t0 + t) * width + c0
        heap.set(x.subarray(from, from + len), s + t * len)
      }
  }

  #copyOut(engine: Engine, tile: Tile, out: Float32Array, width: number, scratch: number): void {
    const { t0, tn, c0, len } = tile
    const heap = engine.heap
    const s = scratch / F
    if (len === width) out.set(heap.subarray(s, s + tn * width), t0 * width)
    else
      for (let t = 0; t < tn; t++)
        out.set(heap.subarray(s + t * len, s + (t + 1) * len), (t0 + t) * width + c0)
  }

  /** #kernel's arguments for one tile, updated in place in `scratch`, state columns c0… of [v | i]. */
  #tileArgs(tile: Tile, scratch: number, state: number, width: number): KernelArgs {
    const vi = state + tile.c0 * F
    const ii = state + (width + tile.c0) * F
    return [scratch, scratch, tile.len, vi, ii, vi, ii, tile.len, tile.rows, tile.tn, tile.offset]
  }

  /** #kernel's call as the helper thread takes it (op, integer and float arguments). */
  #kernelCall(place: Placement, ...args: KernelArgs): { op: number; ints: number[]; floats?: number[] } {
    const [x, out, stride, vIn, iIn, vOut, iOut, count, rows, steps, coefficientOffset] = args
    if (!place.coefficients)
      return {
        op: OP.li_scalar,
        ints: [x, out, stride, vIn, iIn, vOut, iOut, count, steps],
        floats: [this.#a, this.#b, this.#vl],
      }
    const N = this.spec.neurons
    const c = place.coefficients + coefficientOffset * F
    return {
      op: OP.li_vector,
      ints: [x, out, stride, vIn, iIn, vOut, iOut, count / rows, rows, steps, c, c + N * F, c + 2 * N * F],
    }
  }

  /**
   * #kernel over a whole [v | i] state at `state` (in place), split with the engine's helper thread
   * when it has one and the call is large enough: pieces of rows (or of neurons) that both threads
   * claim.
   */
  #kernelParallel(
    engine: Engine,
    place: Placement,
    x: number,
    out: number,
    stride: number,
    state: number,
    count: number,
    rows: number,
    steps: number,
  ): void {
    const v = state
    const i = state + count * F
    const N = this.spec.neurons
    const c = place.coefficients
    // Pieces of neurons (multiples of 16, the kernel's chunk) or of rows, claimed by both threads;
    // each at least PIECE_FLOATS of a time step wide.
    const byRows = c !== 0 && rows >= 2
    const units = byRows ? rows : count
    const least = byRows ? Math.ceil(PIECE_FLOATS / N) : PIECE_FLOATS
    const per = Math.max(
      least,
      byRows ? Math.ceil(units / SPLIT_PIECES) : Math.ceil(units / SPLIT_PIECES / 16) * 16,
    )
    const pieces = Math.ceil(units / per)
    const alone = () => this.#kernel(engine, place, x, out, stride, v, i, v, i, count, rows, steps)
    if (count * steps < PARALLEL_MIN || pieces < 2) {
      alone()
      return
    }
    const k = engine.kernels
    engine.withHelper((helper) => {
      if (!c) {
        const ints = [pieces, per, count, x, out, stride, v, i, v, i, steps]
        return helper.split(OP.split_scalar, ints, [this.#a, this.#b, this.#vl], k)
      }
      const params = [c, c + N * F, c + 2 * N * F]
      if (byRows) {
        const ints = [pieces, per, rows, x, out, stride, v, i, v, i, N, steps, ...params]
        return helper.split(OP.split_rows, ints, [], k)
      }
      const ints = [pieces, per, count, x, out, stride, v, i, v, i, steps, ...params]
      return helper.split(OP.split_neurons, ints, [], k)
    }, alone)
  }

  /**
   * #project split by rows with the helper thread (each with its own index scratch). `meanwhile`
   * runs on this thread once the helper has started, before this thread claims its pieces.
   */
  #projectParallel(
    engine: Engine,
    place: Placement,
    x: number,
    rows: number,
    into: number,
    meanwhile?: () => void,
  ): void {
    const K = this.spec.inputs
    const N = this.spec.neurons
    const alone = () => {
      meanwhile?.()
      this.#project(engine, place, x, rows, into)
    }
    if (rows < 2 || rows * K * N < PARALLEL_MIN) {
      alone()
      return
    }
    const limit = Math.floor(K * SPARSE_FRACTION)
    const per = Math.ceil(rows / SPLIT_PIECES)
    const worker = place.indices + indexInts(K) * F
    const ints = [
      Math.ceil(rows / per),
      per,
      rows,
      x,
      K,
      place.weights,
      N,
      into,
      place.indices,
      worker,
      limit,
    ]
    engine.withHelper((helper) => helper.split(OP.split_project, ints, [], engine.kernels, meanwhile), alone)
  }

  /** x·Wᵀ for `rows` rows of x at `x` into `into` (the event-driven path for sparse rows). */
  #project(engine: Engine, place: Placement, x: number, rows: number, into: number): void {
    const K = this.spec.inputs
    const limit = Math.floor(K * SPARSE_FRACTION)
    engine.kernels.project(x, rows, K, place.weights, this.spec.neurons, into, place.indices, limit)
  }

  #weighted(
    engine: Engine,
    place: Placement,
    x: Float32Array,
    out: Float32Array,
    steps: number,
    rows: number,
    state: number,
    width: number,
  ): void {
    const K = this.spec.inputs
    // Slices of whole time steps, so that the currents x·Wᵀ writes are still in cache when the
    // update reads them: x (read where it lies if the caller allocated it in wasm memory, else
    // copied in), currents into the output (if it lies in wasm memory, else into scratch), the
    // update in place, then v out to the caller's array. The copies of the caller's arrays (slice
    // k+1 in, k−1 out, through two buffers each) run while the helper starts on x·Wᵀ of slice k.
    const slice = weightedSlice(rows, K, this.spec.neurons)
    const xInPlace = engine.owns(x)
    const outInPlace = engine.owns(out)
    const xFloats = slice * rows * K
    const cFloats = slice * width
    // Filled inside the try: an allocation that fails frees the ones before it.
    const xs: number[] = []
    const cs: number[] = []
    const slices = Math.ceil(steps / slice)
    const t0 = (k: number) => k * slice
    const tn = (k: number) => Math.min(slice, steps - k * slice)
    const copyIn = (k: number) =>
      engine.heap.set(x.subarray(t0(k) * rows * K, (t0(k) + tn(k)) * rows * K), (xs[k % 2] as number) / F)
    const copyOut = (k: number) => {
      const c = (cs[k % 2] as number) / F
      out.set(engine.heap.subarray(c, c + tn(k) * width), t0(k) * width)
    }
    try {
      for (let b = 0; b < 2; b++) {
        if (!xInPlace) xs.push(engine.alloc(xFloats * F))
        if (!outInPlace) cs.push(engine.alloc(cFloats * F))
      }
      if (!xInPlace) copyIn(0)
      for (let k = 0; k < slices; k++) {
        const xAt = xInPlace ? x.byteOffset + t0(k) * rows * K * F : (xs[k % 2] as number)
        const cAt = outInPlace ? out.byteOffset + t0(k) * width * F : (cs[k % 2] as number)
        this.#projectParallel(engine, place, xAt, tn(k) * rows, cAt, () => {
          if (!xInPlace && k + 1 < slices) copyIn(k + 1)
          if (!outInPlace && k > 0) copyOut(k - 1)
        })
        this.#kernelParallel(engine, place, cAt, cAt, width, state, width, rows, tn(k))
      }
      if (!outInPlace) copyOut(slices - 1)
    } finally {
      for (const address of cs) engine.free(address, cFloats * F)
      for (const address of xs) engine.free(address, xFloats * F)
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
