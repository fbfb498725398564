import type { H5Group } from './tree.js'

export interface WorkerRequest {
  readonly id: number
  readonly bytes: Uint8Array
}

interface ReplyBase {
  readonly id: number
  /** WASM memory after this decode (it never shrinks). */
  readonly heapBytes: number
  /** The WASM instance trapped: this worker must not be used again. */
  readonly trapped: boolean
}

export type WorkerReply =
  | (ReplyBase & { readonly tree: H5Group })
  | (ReplyBase & { readonly error: { readonly message: string; readonly code?: string } })
