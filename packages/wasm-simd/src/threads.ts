/**
 * A second thread over the shared engine's memory: a worker (Node worker_threads, or a Web Worker in
 * a cross-origin-isolated page) instantiates the same module over the same memory and waits on a
 * control block in it. A parallel call gives the worker one half of the neurons (or rows) and runs
 * the other half here, then waits for the worker: no messages, no copies.
 */

/** Control block: [0] state (0 idle, 1 job posted, 2 done), [1] op, [2..] arguments. */
const CONTROL_INTS = 32
export const CONTROL_BYTES = CONTROL_INTS * 4

/** The op codes the worker knows, and their argument counts (floats are stored as f32 bits). */
export const OP = { li_scalar: 1, li_vector: 2, project: 3, exit: 9 } as const

/** The worker's whole program, as source text (a file of its own would not survive every bundler). */
function workerMain(memory: WebAssembly.Memory, module: WebAssembly.Module, control: number): void {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
    string,
    (...args: number[]) => void
  >
  const a = new Int32Array(memory.buffer, control, 32)
  const f = new Float32Array(memory.buffer, control, 32)
  for (;;) {
    for (let s = Atomics.load(a, 0); s !== 1; s = Atomics.load(a, 0)) Atomics.wait(a, 0, s)
    const op = a[1]
    const ints = (from: number, to: number) => Array.from(a.subarray(from, to))
    if (op === 1) k.li_scalar?.(...ints(2, 11), f[11] as number, f[12] as number, f[13] as number)
    else if (op === 2) k.li_vector?.(...ints(2, 15))
    else if (op === 3) k.project?.(...ints(2, 10))
    else if (op === 9) return
    Atomics.store(a, 0, 2)
    Atomics.notify(a, 0)
  }
}

export interface Helper {
  /** Whether wait() blocks this thread (Node, workers) rather than returning a promise (a page). */
  readonly blocks: boolean
  /** Posts `op` with its arguments to the worker (floats at `floatAt` are written as f32). */
  post(op: number, ints: readonly number[], floats?: readonly number[]): void
  /** Waits for the posted job: blocking where this thread may block (Node), else asynchronously. */
  wait(): void | Promise<void>
  close(): void
}

type NodeWorker = {
  unref(): void
  terminate(): Promise<number>
  on(e: string, f: (x: unknown) => void): void
}

/** Whether this thread may block in Atomics.wait (Node's main thread may; a page's may not). */
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
    let close: () => void
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
        `const { workerData: w } = require('node:worker_threads'); ${source}(w.memory, w.module, w.control)`,
        { eval: true, workerData: { memory, module, control } },
      )
      worker.unref()
      close = () => void worker.terminate()
    } else {
      const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      if (typeof Worker === 'undefined' || (nav?.hardwareConcurrency ?? 1) < 2) return undefined
      const url = URL.createObjectURL(
        new Blob([`onmessage = (e) => ${source}(e.data.memory, e.data.module, e.data.control)`], {
          type: 'text/javascript',
        }),
      )
      const worker = new Worker(url)
      worker.postMessage({ memory, module, control })
      close = () => worker.terminate()
    }
    const blocks = mayBlock()
    return {
      blocks,
      post(op, ints, floats = []) {
        a[1] = op
        ints.forEach((v, k) => {
          a[2 + k] = v
        })
        floats.forEach((v, k) => {
          f[2 + ints.length + k] = v
        })
        Atomics.store(a, 0, 1)
        Atomics.notify(a, 0)
      },
      wait() {
        if (blocks) {
          for (let s = Atomics.load(a, 0); s !== 2; s = Atomics.load(a, 0)) Atomics.wait(a, 0, s)
          Atomics.store(a, 0, 0)
          return
        }
        return (async () => {
          const waitAsync = (
            Atomics as unknown as {
              waitAsync(
                a: Int32Array,
                i: number,
                v: number,
              ): { async: boolean; value: Promise<string> | string }
            }
          ).waitAsync
          for (let s = Atomics.load(a, 0); s !== 2; s = Atomics.load(a, 0)) {
            const r = waitAsync(a, 0, s)
            if (r.async) await r.value
          }
          Atomics.store(a, 0, 0)
        })()
      },
      close,
    }
  } catch {
    return undefined
  }
}
