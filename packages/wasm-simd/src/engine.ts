import { CapacityError } from '@leaky/core'
import { PLAIN_WASM, SHARED_WASM } from './generated/li-wasm.js'
import { CONTROL_BYTES, type Helper, startHelper } from './threads.js'

/** The exports of li.wat. Pointers and lengths are bytes/elements as the .wat documents them. */
export interface Kernels {
  li_scalar(
    x: number,
    out: number,
    stride: number,
    vIn: number,
    iIn: number,
    vOut: number,
    iOut: number,
    count: number,
    steps: number,
    a: number,
    b: number,
    vl: number,
  ): void
  li_vector(
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
    pa: number,
    pb: number,
    pvl: number,
  ): void
  project(
    x: number,
    rows: number,
    K: number,
    wt: number,
    N: number,
    out: number,
    idx: number,
    sparseLimit: number,
  ): void
}

const PAGE = 65536
/** wasm32 addresses 4 GiB at most. */
const MAX_PAGES = 65536
const ALIGN = 64

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer
  if (B) return new Uint8Array(B.from(base64, 'base64'))
  const text = atob(base64)
  const bytes = new Uint8Array(text.length)
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k)
  return bytes
}

/** A shared memory needs SharedArrayBuffer: Node, or a cross-origin-isolated page. */
function sharedMemory(): WebAssembly.Memory | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return undefined
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return undefined
  try {
    return new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
  } catch {
    return undefined
  }
}

/**
 * One wasm instance and its memory, shared by every wasm-simd layer of this realm, with a small
 * allocator over the memory. Blocks are 64-byte aligned; freed blocks go to a free list per size
 * (sizes are rounded so that the lists stay few), and the memory grows when the lists are empty.
 *
 * A shared memory keeps every view handed out valid when it grows (a SharedArrayBuffer grows in
 * place); a plain one detaches its old buffer, so only a shared engine lends its memory out.
 *
 * @internal exported for tests and benchmarks, not part of the public API.
 */
export class Engine {
  readonly memory: WebAssembly.Memory
  readonly shared: boolean
  readonly kernels: Kernels
  #heap: Float32Array
  #heapU8: Uint8Array
  /** Every buffer object this memory has shown (one per growth of a shared memory). */
  readonly #buffers = new WeakSet<ArrayBufferLike>()
  readonly #free = new Map<number, number[]>()
  #top = ALIGN
  #inUse = 0
  /** The second thread (shared engines where the platform has one), and the queue for it. */
  helper: Helper | undefined
  #helperBusy = false

  constructor(memory: WebAssembly.Memory, shared: boolean, instance: WebAssembly.Instance) {
    this.memory = memory
    this.shared = shared
    this.kernels = instance.exports as unknown as Kernels
    this.#heap = new Float32Array(memory.buffer)
    this.#heapU8 = new Uint8Array(memory.buffer)
    this.#buffers.add(memory.buffer)
  }

  /** The memory as floats (a fresh view after growth). */
  get heap(): Float32Array {
    const buffer = this.memory.buffer
    if (this.#heap.buffer !== buffer) {
      this.#heap = new Float32Array(buffer)
      this.#heapU8 = new Uint8Array(buffer)
      this.#buffers.add(buffer)
    }
    return this.#heap
  }

  get bytes(): Uint8Array {
    void this.heap
    return this.#heapU8
  }

  /**
   * `work` with the helper thread, or `alone` where there is none, it is in use (a call made from
   * within another one, by a getter of the caller's tensor) or it is set aside (it did not take a
   * job in time). Either runs at once and never yields: the helper's waits are synchronous.
   */
  withHelper<T>(work: (helper: Helper) => T, alone: () => T): T {
    const helper = this.helper
    if (!helper || this.#helperBusy || !helper.ready) return alone()
    this.#helperBusy = true
    try {
      return work(helper)
    } finally {
      this.#helperBusy = false
    }
  }

  /** Bytes in blocks now handed out (for leak checks). */
  get bytesInUse(): number {
    return this.#inUse
  }

  /** Whether `array` is a view into this engine's memory (then its byteOffset is its address). */
  owns(array: Float32Array): boolean {
    return this.#buffers.has(array.buffer)
  }

  /** A block of at least `bytes` bytes; its address. */
  alloc(bytes: number): number {
    const size = roundSize(Math.max(bytes, 1))
    const list = this.#free.get(size)
    const reused = list?.pop()
    if (reused !== undefined) {
      this.#inUse += size
      return reused
    }
    const address = this.#top
    const end = address + size
    const have = this.memory.buffer.byteLength
    if (end > have) {
      const need = Math.ceil((end - have) / PAGE)
      const pages = have / PAGE
      // Grow by at least a quarter, so that a run of allocations does not grow page by page.
      const grow = Math.min(Math.max(need, Math.ceil(pages / 4)), MAX_PAGES - pages)
      if (grow < need)
        throw new CapacityError(
          `wasm-simd: ${end} bytes of wasm memory needed, the 4 GiB of wasm32 allow ${MAX_PAGES * PAGE}`,
        )
      try {
        this.memory.grow(grow)
      } catch (error) {
        throw new CapacityError(
          `wasm-simd: could not grow wasm memory to ${(have + grow * PAGE) / 2 ** 20} MiB (${(error as Error).message})`,
        )
      }
    }
    this.#top = end
    this.#inUse += size
    return address
  }

  free(address: number, bytes: number): void {
    const size = roundSize(Math.max(bytes, 1))
    let list = this.#free.get(size)
    if (!list) {
      list = []
      this.#free.set(size, list)
    }
    list.push(address)
    this.#inUse -= size
  }
}

/** 64-byte steps up to 64 KiB, then powers of two: few distinct sizes, at most 2× waste on large blocks. */
function roundSize(bytes: number): number {
  if (bytes <= 65536) return Math.ceil(bytes / ALIGN) * ALIGN
  return 2 ** Math.ceil(Math.log2(bytes))
}

let plainEngine: Promise<Engine> | undefined
let sharedEngine: Promise<Engine | undefined> | undefined

async function instantiate(memory: WebAssembly.Memory, shared: boolean): Promise<Engine> {
  const module = await WebAssembly.compile(decode(shared ? SHARED_WASM : PLAIN_WASM))
  const instance = await WebAssembly.instantiate(module, { env: { memory } })
  const engine = new Engine(memory, shared, instance)
  if (shared && threadsWanted())
    engine.helper = await startHelper(memory, module, engine.alloc(CONTROL_BYTES))
  return engine
}

/** LEAKY_WASM_THREADS=1 keeps wasm-simd on one thread (for measuring what the second one gives). */
function threadsWanted(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.LEAKY_WASM_THREADS !== '1'
}

/**
 * The engine the caller's arrays of small runs are copied through (and all of them where there is no
 * shared memory): a plain memory, which every page has. V8 copies into a SharedArrayBuffer with
 * relaxed atomics; for the 2 MiB tiles of a pipelined run that measured as fast as into an ArrayBuffer.
 *
 * @internal
 */
export function getEngine(): Promise<Engine> {
  plainEngine ??= instantiate(new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES }), false)
  return plainEngine
}

/**
 * The engine that lends tensors (allocate()): a shared memory, which grows without detaching.
 *
 * @internal
 */
export function getSharedEngine(): Promise<Engine | undefined> {
  sharedEngine ??= (async () => {
    const memory = sharedMemory()
    return memory ? instantiate(memory, true) : undefined
  })()
  return sharedEngine
}

/** Whether this platform runs WebAssembly SIMD128 (compiles a module that uses it). */
export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(decode(PLAIN_WASM))
  } catch {
    return false
  }
}
