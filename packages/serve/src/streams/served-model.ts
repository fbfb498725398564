/**
 * One model behind the server: its layer, its live streams (each stream's (v, i) between requests)
 * and the batcher that stacks requests of different streams into one backend call.
 *
 * Order and isolation: a stream is in at most one backend call at a time and its requests run in
 * arrival order; a batch holds at most one request per stream, and each stream's rows of the stacked
 * state are copied in before the call and out after it, so a call only ever changes the rows of the
 * streams in it, and a failed call changes none.
 */
import type { Layer, ResolvedLayerSpec } from '@leaky/core'
import { RequestError } from '../protocol/errors.js'
import type { InferRequest, ModelSignature, SequenceControl } from '../protocol/infer-request.js'

/** How requests of different streams are stacked into one backend call, and the bounds on them. */
export interface BatchingOptions {
  /** Stack requests of different streams into one call. Off: one backend call per request. */
  readonly batching: boolean
  /** How long the first request of a batch waits for others, in ms (0: those that arrived in the same tick). */
  readonly windowMs: number
  /** The most streams in one backend call. */
  readonly maxBatch: number
  /** The most requests waiting in this model's queue; more is a 429. */
  readonly maxQueue: number
  /** The most live streams of this model; a new sequence_start beyond it is a 429. */
  readonly maxStreams: number
  /** A stream with no request for this long is freed (Triton's max_sequence_idle_microseconds). */
  readonly idleTimeoutMs: number
}

interface Job {
  readonly request: InferRequest
  readonly resolve: (voltages: Float32Array) => void
  readonly reject: (error: unknown) => void
}

class Stream {
  readonly v: Float32Array
  readonly i: Float32Array
  readonly pending: Job[] = []
  busy = false
  /** sequence_end was received: later requests for this id (other than a new start) are refused. */
  ending = false
  lastUsed = Date.now()
  /** Starts at Norse's default state: v = vLeak, i = 0. */
  constructor(
    readonly key: string | undefined,
    vLeak: Float32Array,
  ) {
    this.v = vLeak.slice()
    this.i = new Float32Array(vLeak.length)
  }
}

/** One model's live counters: streams, queued requests, backend calls and the requests they carried. */
export interface ModelStats {
  readonly liveStreams: number
  readonly queued: number
  readonly backendCalls: number
  readonly batchedRequests: number
}

export class ServedModel {
  readonly signature: ModelSignature
  private readonly spec: ResolvedLayerSpec
  private readonly streams = new Map<string, Stream>()
  private readonly ready = new Set<Stream>()
  private queued = 0
  private inFlight = 0
  private running = false
  /** Streams in `ready` that belong to a sequence (not one-off requests). */
  private readySequences = 0
  private windowTimer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  private readonly sweeper: ReturnType<typeof setInterval>
  private calls = 0
  private batched = 0
  private idleWaiters: (() => void)[] = []

  constructor(
    name: string,
    readonly layer: Layer,
    private readonly options: BatchingOptions,
  ) {
    this.spec = layer.spec
    this.signature = {
      name,
      input: 'x',
      output: 'v_new',
      inputs: this.spec.inputs,
      neurons: this.spec.neurons,
    }
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(1000, options.idleTimeoutMs / 4)))
    this.sweeper.unref()
  }

  stats(): ModelStats {
    return {
      liveStreams: this.streams.size,
      queued: this.queued,
      backendCalls: this.calls,
      batchedRequests: this.batched,
    }
  }

  /** Queues one request behind its stream's earlier ones; resolves with its voltages [T, neurons]. */
  infer(request: InferRequest): Promise<Float32Array> {
    // The queue check comes first: a refused sequence_start must not leave a stream behind.
    if (this.queued >= this.options.maxQueue) {
      throw new RequestError(
        429,
        `model "${this.signature.name}" has ${this.queued} requests queued (the limit): retry later`,
      )
    }
    // Checked here, not by the backend: in a stacked call one stream's NaN would fail every stream's request.
    if (this.spec.checkFinite) {
      const bad = request.x.findIndex((v) => !Number.isFinite(v))
      if (bad >= 0) {
        throw new RequestError(
          400,
          `input "x" holds ${request.x[bad]} at flat index ${bad} (the model rejects NaN and ±Inf)`,
        )
      }
    }
    const stream = this.streamFor(request.sequence)
    if (request.sequence?.end) stream.ending = true
    return new Promise<Float32Array>((resolve, reject) => {
      stream.pending.push({ request, resolve, reject })
      stream.lastUsed = Date.now()
      this.queued++
      this.inFlight++
      if (!stream.busy) this.markReady(stream)
      this.schedule()
    })
  }

  /** Resolves when nothing is queued or running (graceful shutdown). */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  close(): void {
    clearInterval(this.sweeper)
    clearTimeout(this.windowTimer)
    if (this.immediate) clearImmediate(this.immediate)
    this.streams.clear()
  }

  private streamFor(sequence: SequenceControl | undefined): Stream {
    if (!sequence) return new Stream(undefined, this.spec.coefficients.vLeak) // one request from rest, kept nowhere
    const existing = this.streams.get(sequence.key)
    if (sequence.start) {
      if (!existing && this.streams.size >= this.options.maxStreams) {
        throw new RequestError(
          429,
          `model "${this.signature.name}" holds ${this.streams.size} live streams (the limit): end some with sequence_end`,
        )
      }
      // A start on an ending stream opens a new one; the old one finishes its queue on its own.
      if (existing && !existing.ending) return existing
      const stream = new Stream(sequence.key, this.spec.coefficients.vLeak)
      this.streams.set(sequence.key, stream)
      return stream
    }
    if (!existing) {
      throw new RequestError(
        400,
        `sequence ${sequence.label} is not live on model "${this.signature.name}" (never started with sequence_start, ended, or freed after ${this.options.idleTimeoutMs} ms idle)`,
      )
    }
    if (existing.ending) {
      throw new RequestError(
        400,
        `sequence ${sequence.label} has ended (sequence_end): start it again with sequence_start`,
      )
    }
    return existing
  }

  private markReady(stream: Stream): void {
    if (this.ready.has(stream)) return
    this.ready.add(stream)
    if (stream.key !== undefined) this.readySequences++
  }

  private schedule(): void {
    if (this.running || this.immediate) return
    // No reason to wait when the batch is full, or when every live stream is already waiting in it
    // (one stream alone never pays the window); else wait up to the window for the others.
    const everyone = this.streams.size > 0 && this.readySequences >= this.streams.size
    const now =
      !this.options.batching ||
      this.options.windowMs <= 0 ||
      this.ready.size >= this.options.maxBatch ||
      everyone
    if (now) {
      clearTimeout(this.windowTimer)
      this.windowTimer = undefined
      this.immediate = setImmediate(() => this.flush())
    } else {
      this.windowTimer ??= setTimeout(() => this.flush(), this.options.windowMs)
    }
  }

  private async flush(): Promise<void> {
    clearTimeout(this.windowTimer)
    this.windowTimer = undefined
    this.immediate = undefined
    if (this.running || this.ready.size === 0) return
    this.running = true
    const limit = this.options.batching ? this.options.maxBatch : 1
    const batch: { stream: Stream; job: Job }[] = []
    for (const stream of this.ready) {
      if (batch.length >= limit) break
      this.ready.delete(stream)
      if (stream.key !== undefined) this.readySequences--
      const job = stream.pending.shift()
      if (!job) continue
      stream.busy = true
      this.queued--
      batch.push({ stream, job })
    }
    // Requests of different lengths cannot share a [T, B, inputs] tensor: one call per length.
    const byLength = new Map<number, { stream: Stream; job: Job }[]>()
    for (const entry of batch) {
      const group = byLength.get(entry.job.request.steps)
      if (group) group.push(entry)
      else byLength.set(entry.job.request.steps, [entry])
    }
    for (const [steps, group] of byLength) await this.runGroup(steps, group)
    this.running = false
    for (const { stream } of batch) {
      stream.busy = false
      stream.lastUsed = Date.now()
      if (stream.pending.length > 0) this.markReady(stream)
    }
    if (this.ready.size > 0) this.schedule()
    if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  private async runGroup(steps: number, group: { stream: Stream; job: Job }[]): Promise<void> {
    const B = group.length
    const M = this.spec.inputs
    const N = this.spec.neurons
    const xs = new Float32Array(steps * B * M)
    const v = new Float32Array(B * N)
    const i = new Float32Array(B * N)
    const vLeak = this.spec.coefficients.vLeak
    group.forEach(({ stream, job }, b) => {
      const x = job.request.x
      for (let t = 0; t < steps; t++) xs.set(x.subarray(t * M, (t + 1) * M), (t * B + b) * M)
      if (job.request.sequence?.start) {
        // A (re)start: Norse's default initial state, v = vLeak, i = 0 (already zero).
        v.set(vLeak, b * N)
      } else {
        v.set(stream.v, b * N)
        i.set(stream.i, b * N)
      }
    })
    this.calls++
    this.batched += B
    try {
      const result = await this.layer.run(
        { data: xs, shape: [steps, B, M] },
        { v: { data: v, shape: [B, N] }, i: { data: i, shape: [B, N] } },
      )
      const out = result.voltages.data
      group.forEach(({ stream, job }, b) => {
        stream.v.set(result.state.v.data.subarray(b * N, (b + 1) * N))
        stream.i.set(result.state.i.data.subarray(b * N, (b + 1) * N))
        if (
          job.request.sequence?.end &&
          stream.key !== undefined &&
          this.streams.get(stream.key) === stream
        ) {
          this.streams.delete(stream.key)
        }
        const voltages = new Float32Array(steps * N)
        for (let t = 0; t < steps; t++)
          voltages.set(out.subarray((t * B + b) * N, (t * B + b + 1) * N), t * N)
        this.inFlight--
        job.resolve(voltages)
      })
    } catch (error) {
      for (const { job } of group) {
        this.inFlight--
        job.reject(error)
      }
    }
  }

  private sweep(): void {
    const now = Date.now()
    for (const [key, stream] of this.streams) {
      if (!stream.busy && stream.pending.length === 0 && now - stream.lastUsed > this.options.idleTimeoutMs) {
        this.streams.delete(key)
      }
    }
  }
}
