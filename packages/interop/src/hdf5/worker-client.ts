import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { FormatError, LeakyError } from '@leaky/core'
import type { H5Group } from './tree.js'
import type { WorkerReply, WorkerRequest } from './worker-protocol.js'

/**
 * Decodes HDF5 in a worker thread so a damaged file cannot hang or kill the caller: HDF5 (C, in WASM)
 * can loop for ever on a corrupt B-tree or abort the WASM instance. A decode that takes longer than
 * the timeout terminates the thread (V8 interrupts running WASM) and becomes a FormatError; an abort
 * or crash of the thread does too. The next call starts a fresh thread.
 */

export interface DecodeOptions {
  /** Give up on one file after this long (default 10 s; a valid NIR file takes milliseconds). */
  readonly timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 10_000
/**
 * WASM memory grows and never shrinks, and a damaged file can make HDF5 allocate a lot (seen: 1 GiB)
 * or leak when its error unwinds: a worker past this size is replaced after its reply.
 */
const RECYCLE_HEAP_BYTES = 256 * 1024 * 1024

function workerFile(): URL {
  // From dist (this code bundled into dist/*.js) the worker sits in dist/hdf5/; from src (tests), in ../../dist.
  const candidates = [
    new URL('./hdf5/worker.js', import.meta.url),
    new URL('../../dist/hdf5/worker.js', import.meta.url),
  ]
  const found = candidates.find((url) => existsSync(fileURLToPath(url)))
  if (!found) {
    throw new LeakyError(
      'E_UNAVAILABLE',
      `the HDF5 worker is not built: run pnpm build (looked for ${candidates.map(String).join(', ')})`,
    )
  }
  return found
}

let worker: Worker | undefined
let nextId = 0
let queue: Promise<unknown> = Promise.resolve()
/** WASM memory of the current worker after its last decode (0 before the first): to check for leaks. */
export let workerHeapBytes = 0

/** Workers started so far (each damaged file that trapped or bloated WASM memory costs one). */
export let workersStarted = 0

function start(): Worker {
  // Not stderr: true: piped stdio keeps the process alive even with the worker unref'd. HDF5's own
  // diagnostics are not printed anyway (h5wasm's throwing error handler turns them into messages).
  // A worker inherits the process's flags; --input-type (node -e scripts) is refused for a file worker.
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'))
  const w = new Worker(workerFile(), { execArgv })
  workersStarted++
  w.unref()
  return w
}

function stop(w: Worker): void {
  if (worker === w) worker = undefined
  void w.terminate()
}

export function decodeH5InWorker(bytes: Uint8Array, options: DecodeOptions = {}): Promise<H5Group> {
  const run = queue.then(() => decodeOnce(bytes, options.timeoutMs ?? DEFAULT_TIMEOUT_MS))
  queue = run.catch(() => undefined)
  return run
}

function decodeOnce(bytes: Uint8Array, timeoutMs: number): Promise<H5Group> {
  worker ??= start()
  const w = worker
  const id = ++nextId
  return new Promise<H5Group>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      w.off('message', onMessage)
      w.off('error', onError)
      w.off('exit', onExit)
    }
    const timer = setTimeout(() => {
      done()
      stop(w)
      reject(
        new FormatError(
          `HDF5: decoding did not finish within ${timeoutMs} ms (a damaged file can make HDF5 loop): gave up`,
        ),
      )
    }, timeoutMs)
    const onMessage = (reply: WorkerReply) => {
      if (reply.id !== id) return
      done()
      workerHeapBytes = reply.heapBytes
      if (reply.trapped || reply.heapBytes > RECYCLE_HEAP_BYTES) stop(w)
      if ('tree' in reply) resolve(reply.tree)
      else
        reject(
          reply.error.code === 'E_FORMAT'
            ? new FormatError(reply.error.message)
            : new FormatError(`HDF5: ${reply.error.message}`),
        )
    }
    const onError = (error: Error) => {
      done()
      stop(w)
      reject(new FormatError(`HDF5: the decoder failed on this file (${error.message})`, { cause: error }))
    }
    const onExit = (code: number) => {
      done()
      if (worker === w) worker = undefined
      workerHeapBytes = 0
      reject(new FormatError(`HDF5: the decoder stopped on this file (exit ${code})`))
    }
    w.on('message', onMessage)
    w.on('error', onError)
    w.on('exit', onExit)
    const request: WorkerRequest = { id, bytes }
    w.postMessage(request)
  })
}

/** Ends the worker thread now (it is unref'd, so a process exits without this). */
export async function closeH5Worker(): Promise<void> {
  const w = worker
  worker = undefined
  await w?.terminate()
}
