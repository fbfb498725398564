import { availableParallelism } from 'node:os'
import type { SessionGraph, SessionOptions } from '@leaky/onnx/runtime'

/** Elements one op touches below which a second thread and spinning cost more than they save. */
const SMALL_WORK = 16_384

/** onnxruntime-node's own session options for a layer of this many elements per op. */
export function sessionOptions(work: number, graph?: SessionGraph): SessionOptions {
  const small = work < SMALL_WORK
  return {
    // The arena grows by powers of two and keeps what it took; one-shot runs of large layers would
    // hold up to twice their working memory. malloc/free per tensor costs little at these sizes.
    // The unrolled steps are the exception: a call's working memory is a few state-sized tensors
    // (its inputs and outputs are the caller's), and a run makes ⌈T/C⌉ calls that would each map and
    // fault in fresh pages for them. Measured (C = 8, 2 threads, loaded machine): N = 1e6 runs in
    // half the time with the arena, N = 1e5 the same; the arena keeps ~10 state-sized buffers a
    // session (N = 1e6, the 4 sessions of T = 64 and 63: +166 MiB RSS).
    enableCpuMemArena: graph === 'steps',
    // Small layers: one thread, no spinning (a spinning pool burns a core between tiny calls).
    intraOpNumThreads: small ? 1 : availableParallelism(),
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: small ? '0' : '1' } } },
  }
}

/** The session pool's key part for what sessionOptions takes from `work`. */
export function sessionVariant(work: number): string {
  return work < SMALL_WORK ? '1' : '0'
}
