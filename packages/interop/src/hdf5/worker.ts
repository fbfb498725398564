/**
 * Runs in a Node worker thread: decodes HDF5 bytes with h5wasm and posts the plain tree back. If HDF5
 * loops for ever or aborts on a damaged file, only this thread is lost (see worker-client.ts).
 */
import { parentPort } from 'node:worker_threads'
import { decodeH5, h5HeapBytes, h5Trapped } from './h5wasm.js'
import type { WorkerReply, WorkerRequest } from './worker-protocol.js'

parentPort?.on('message', async ({ id, bytes }: WorkerRequest) => {
  let reply: WorkerReply
  try {
    reply = { id, tree: await decodeH5(bytes), heapBytes: h5HeapBytes(), trapped: false }
  } catch (error) {
    const e = error as Error & { code?: string }
    reply = {
      id,
      error: { message: e.message, code: e.code },
      heapBytes: h5HeapBytes(),
      trapped: h5Trapped(),
    }
  }
  parentPort?.postMessage(reply)
})
