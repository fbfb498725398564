import { BackendError } from '@leaky/core'

/**
 * A second thread over the shared engine's memory: a worker (Node worker_threads, or a Web Worker in
 * a cross-origin-isolated page) instantiates the same module over the same memory and waits on a
 * control block in it: no messages, no copies. A job is one kernel call (a pipelined tile), or a
 * split call: its neurons or rows cut into pieces that this thread and the worker claim one by one
 * from a counter, so a thread that is descheduled (a busy machine) or slower leaves its share to the
 * other instead of holding the whole call up.
 *
 * Every wait is synchronous (Atomics.wait where this thread may block, polling on a page's main
 * thread, which may not): a call that uses the helper never yields, so it may read the caller's
 * arrays throughout, as a kernel on one thread would. A job the worker has not taken yet can be
 * taken back, so a worker that is slow to wake (or gone) costs time, never a hang.
 */

/**
 * Control block: [0] state (0 idle, 1 job posted, 4 taken by the worker, 2 done, 3 failed: the
 * kernel trapped), [1] op, [2..] arguments, [28] the claim counter, [29] 1 while the worker is known
 * to be awake (it sets it whenever it wakes; this thread clears it when a job had to be taken back).
 */
const CONTROL_INTS = 32
export const CONTROL_BYTES = CONTROL_INTS * 4
const COUNTER = 28
const ALIVE = 29
const [IDLE, POSTED, DONE, FAILED, TAKEN] = [0, 1, 2, 3, 4]

/**
 * How long a thread polls before it sleeps in Atomics.wait: a sleeping thread takes ~50 µs to wake
 * (this VM), as long as a whole run of ff-1e3 on one thread takes 200 µs. The worker polls for the
 * next job after each one; this thread polls for the worker's last piece.
 */
const WORKER_SPIN_MS = 0.25
const WAIT_SPIN_MS = 1
/**
 * A posted job the worker has not taken within this long is taken back and run here, and the worker
 * is set aside until it shows it is awake again (a loaded 2-core machine took a few ms to wake it).
 */
const TAKE_BACK_MS = 20
/** How long startHelper waits for a new worker to report that it runs. */
const START_MS = 10_000

/**
 * The op codes the worker knows. Split ops' integer arguments start with [pieces, per piece, total];
 * their floats follow the integers.
 */
export const OP = {
  li_scalar: 1,
  li_vector: 2,
  /** li_scalar by neurons: [pieces, per, count, x, out, stride, vIn, iIn, vOut, iOut, steps], floats [a, b, vl]. */
  split_scalar: 4,
  /** li_vector by rows: [pieces, per, rows, x, out, stride, vIn, iIn, vOut, iOut, N, steps, pa, pb, pvl]. */
  split_rows: 5,
  /** li_vector, one row, by neurons: [pieces, per, count, x, out, stride, vIn, iIn, vOut, iOut, steps, pa, pb, pvl]. */
  split_neurons: 6,
  /** project by rows: [pieces, per, rows, x, K, wt, N, out, idx here, idx in the worker, sparse limit]. */
  split_project: 7,
} as const

/** Integer arguments of each split op (the worker reads its floats after them). */
const SPLIT_INTS: Record<number, number> = { 4: 11, 5: 15, 6: 14, 7: 11 }

type KernelExports = Record<string, (...args: number[]) => void>

/**
 * One piece of a split op: the same code on both threads (it is sent to the worker as source text,
 * so it refers to nothing outside itself).
 */
export function runPiece(
  k: KernelExports,
  op: number,
  g: ArrayLike<number>,
  f: ArrayLike<number>,
  p: number,
  worker: boolean,
): void {
  const n = (i: number) => g[i] as number
  const u0 = p * n(1)
  const count = Math.min(n(1), n(2) - u0)
  // x, out, stride, vIn, iIn, vOut, iOut of the piece: every address moved on by `o` bytes.
  const at = (o: number) => [n(3) + o, n(4) + o, n(5), n(6) + o, n(7) + o, n(8) + o, n(9) + o]
  if (op === 4) {
    k.li_scalar?.(...at(u0 * 4), count, n(10), f[0] as number, f[1] as number, f[2] as number)
  } else if (op === 5) {
    k.li_vector?.(...at(u0 * n(10) * 4), n(10), count, n(11), n(12), n(13), n(14))
  } else if (op === 6) {
    const o = u0 * 4
    k.li_vector?.(...at(o), count, 1, n(10), n(11) + o, n(12) + o, n(13) + o)
  } else if (op === 7) {
    k.project?.(
      n(3) + u0 * n(4) * 4,
      count,
      n(4),
      n(5),
      n(6),
      n(7) + u0 * n(6) * 4,
      worker ? n(9) : n(8),
      n(10),
    )
  }
}

/**
 * The worker's whole program, as source text (a file of its own would not survive every bundler);
 * it gets runPiece and the split ops' argument counts as arguments, being unable to see this module.
 */
function workerMain(
  memory: WebAssembly.Memory,
  module: WebAssembly.Module,
  control: number,
  piece: typeof runPiece,
  splitInts: Record<number, number>,
  spinMs: number,
): void {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as KernelExports
  const a = new Int32Array(memory.buffer, control, 32)
  const f = new Float32Array(memory.buffer, control, 32)
  for (;;) {
    // Awake: usable (again, if a job of ours was taken back while this thread slept).
    Atomics.store(a, 29, 1)
    // Jobs come in bursts (a split call's next one, the next tile, the next run of a loop), and a
    // sleeping thread takes ~50 µs to wake: poll for a while before sleeping.
    let s = Atomics.load(a, 0)
    for (let n = 0, until = performance.now() + spinMs; s !== 1; n++) {
      if ((n & 127) === 0 && performance.now() > until) break
      s = Atomics.load(a, 0)
    }
    for (; s !== 1; s = Atomics.load(a, 0)) {
      Atomics.wait(a, 0, s)
      Atomics.store(a, 29, 1)
    }
    // Taken (4), unless the poster took it back first (then it is 0 again, or a later job).
    if (Atomics.compareExchange(a, 0, 1, 4) !== 1) continue
    const op = a[1] as number
    const ints = (from: number, to: number) => Array.from(a.subarray(from, to))
    const split = splitInts[op]
    // A kernel that traps (a bad address) reports 3, failed, and the worker waits for the next job.
    let done = 2
    try {
      if (split) {
        const g = ints(2, 2 + split)
        const fl = Array.from(f.subarray(2 + split, 5 + split))
        const pieces = g[0] as number
        for (let p = Atomics.add(a, 28, 1); p < pieces; p = Atomics.add(a, 28, 1))
          piece(k, op, g, fl, p, true)
      } else if (op === 1) k.li_scalar?.(...ints(2, 11), f[11] as number, f[12] as number, f[13] as number)
      else if (op === 2) k.li_vector?.(...ints(2, 15))
    } catch {
      done = 3
    }
    Atomics.store(a, 0, done)
    Atomics.notify(a, 0)
  }
}

/** What wait() throws when the worker's kernel trapped: the call's result is incomplete. */
function failed(): BackendError {
  return new BackendError(
    "wasm-simd: the helper thread's kernel failed (a wasm trap); the call's result is incomplete",
  )
}

export interface Helper {
  /**
   * Whether the worker is known to be awake: false after a job had to be taken back, until it wakes
   * again (asking wakes it).
   */
  readonly ready: boolean
  /** Posts `op` with its arguments to the worker (floats are written as f32 after the integers). */
  post(op: number, ints: readonly number[], floats?: readonly number[]): void
  /**
   * Waits for the posted job, synchronously. False when the worker had not taken it within
   * TAKE_BACK_MS (at once with `now`) and it was taken back: the caller runs it itself. Throws a
   * BackendError when the worker's kernel trapped.
   */
  wait(now?: boolean): boolean
  /**
   * Runs a split op on both threads: posts it, runs `meanwhile` (other work of this thread's, while
   * the worker starts on the pieces), claims pieces here with `kernels` until none is left, then
   * waits for the worker's last piece (none, if the worker had not started: then every piece ran
   * here).
   */
  split(
    op: number,
    ints: readonly number[],
    floats: readonly number[],
    kernels: object,
    meanwhile?: () => void,
  ): void
  /** Stops the worker (settled once it has stopped). */
  close(): Promise<void>
}

type NodeWorker = {
  unref(): void
  terminate(): Promise<number>
  on(e: string, f: (x: unknown) => void): void
}

/** Whether this thread may sleep in Atomics.wait (Node's main thread may; a page's may not: it polls). */
function mayBlock(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'undefined'
}

/**
 * Starts the helper thread, or returns undefined where there is none to have (one core, no
 * SharedArrayBuffer, no Worker). Never throws.
 */
export async function startHelper(
  memory: WebAssembly.Memory,
  module: WebAssembly.Module,
  control: number,
): Promise<Helper | undefined> {
  try {
    const a = new Int32Array(memory.buffer, control, CONTROL_INTS)
    const f = new Float32Array(memory.buffer, control, CONTROL_INTS)
    const source = `(${workerMain.toString()})`
    const args = `(${runPiece.toString()}), ${JSON.stringify(SPLIT_INTS)}, ${WORKER_SPIN_MS}`
    let close: () => Promise<void>
    // A worker that fails to start (a page whose CSP refuses blob: workers, a crash) says so here.
    let stopped = false
    const stop = () => {
      stopped = true
    }
    const proc = (globalThis as { process?: { versions?: { node?: string } } }).process
    if (proc?.versions?.node) {
      const { Worker } = (await import(/* @vite-ignore */ 'node:worker_threads' as string)) as {
        Worker: new (code: string, options: object) => NodeWorker
      }
      const { availableParallelism } = (await import(/* @vite-ignore */ 'node:os' as string)) as {
        availableParallelism(): number
      }
      if (availableParallelism() < 2) return undefined
      const worker = new Worker(
        `const { workerData: w } = require('node:worker_threads'); ${source}(w.memory, w.module, w.control, ${args})`,
        { eval: true, workerData: { memory, module, control } },
      )
      worker.unref()
      worker.on('error', stop)
      worker.on('exit', stop)
      close = () => worker.terminate().then(() => undefined)
    } else {
      const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      if (typeof Worker === 'undefined' || (nav?.hardwareConcurrency ?? 1) < 2) return undefined
      const url = URL.createObjectURL(
        new Blob([`onmessage = (e) => ${source}(e.data.memory, e.data.module, e.data.control, ${args})`], {
          type: 'text/javascript',
        }),
      )
      const worker = new Worker(url)
      worker.addEventListener('error', stop)
      worker.postMessage({ memory, module, control })
      close = async () => worker.terminate()
    }
    // The worker runs before the helper is handed out: no call waits on a worker still starting.
    const started = performance.now()
    while (Atomics.load(a, ALIVE) !== 1) {
      if (stopped || performance.now() - started > START_MS) {
        await close()
        return undefined
      }
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    const blocks = mayBlock()
    /** Polls state [0] while it is `from`, for up to `ms`; the state last seen. */
    const poll = (from: number, ms: number) => {
      let s = Atomics.load(a, 0)
      for (let n = 0, until = performance.now() + ms; s === from; n++) {
        if ((n & 127) === 0 && performance.now() > until) break
        s = Atomics.load(a, 0)
      }
      return s
    }
    const helper: Helper = {
      get ready() {
        if (Atomics.load(a, ALIVE) === 1) return true
        // Set aside: wake the worker (no job is posted), so that it says it is awake for a later call.
        Atomics.notify(a, 0)
        return false
      },
      post(op, ints, floats = []) {
        a[1] = op
        Atomics.store(a, COUNTER, 0)
        ints.forEach((v, k) => {
          a[2 + k] = v
        })
        floats.forEach((v, k) => {
          f[2 + ints.length + k] = v
        })
        Atomics.store(a, 0, POSTED)
        Atomics.notify(a, 0)
      },
      wait(now = false) {
        let s = now ? Atomics.load(a, 0) : poll(POSTED, TAKE_BACK_MS)
        if (s === POSTED && Atomics.compareExchange(a, 0, POSTED, IDLE) === POSTED) {
          // A split call's leftover job is not a sign of anything; a single job unclaimed for
          // TAKE_BACK_MS is: the next calls run on one thread until the worker wakes.
          if (!now) Atomics.store(a, ALIVE, 0)
          return false
        }
        // Taken: the worker finishes it in the time the kernel takes.
        s = poll(TAKEN, blocks ? WAIT_SPIN_MS : Number.POSITIVE_INFINITY)
        for (; s !== DONE && s !== FAILED; s = Atomics.load(a, 0)) Atomics.wait(a, 0, s)
        Atomics.store(a, 0, IDLE)
        if (s === FAILED) throw failed()
        return true
      },
      split(op, ints, floats, kernels, meanwhile) {
        helper.post(op, ints, floats)
        const pieces = ints[0] as number
        // Whatever happens here, the worker's pieces are waited for: the next call needs it idle.
        let error: unknown
        try {
          meanwhile?.()
          for (let p = Atomics.add(a, COUNTER, 1); p < pieces; p = Atomics.add(a, COUNTER, 1))
            runPiece(kernels as KernelExports, op, ints, floats, p, false)
        } catch (e) {
          error = e ?? new Error('wasm-simd: a kernel failed')
        }
        helper.wait(true)
        if (error !== undefined) throw error
      },
      close,
    }
    return helper
  } catch {
    return undefined
  }
}
