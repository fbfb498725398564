import type { ResolvedLayerSpec } from '@leaky/core'
import { encodeModel } from '../graph/model.js'
import { STEP_IO } from '../li/io-names.js'
import { buildUnrolledStepsGraph } from '../li/unrolled-steps-graph.js'
import { layerModel } from '../model/layer-model.js'
import type { SessionGraph, SessionShape } from './plan.js'
import {
  type DevicePolicy,
  type OrtRuntime,
  type OrtSession,
  providerOptions,
  type SessionOptions,
} from './runtime.js'

/**
 * Sessions are the expensive part of a layer (tens of ms to create, ~1–2 s for the first WebGPU
 * one), so they are made once per (device, layer content, session shape) and shared: two layers
 * with the same spec, or a layer made again after dispose(), reuse one session. Idle sessions stay
 * for a while (LRU) so that create/dispose loops do not rebuild them. Each backend package keeps one
 * pool for its runtime.
 *
 * A session lives while anyone holds a lease on it: layers, and GPU states whose tensors its
 * allocator owns. Evicting a failed session only stops new leases; it is released when the last
 * lease goes, so one layer's failure never pulls a session from under another layer or a handle.
 */
interface Entry {
  readonly key: string
  readonly session: Promise<OrtSession>
  readonly content: Content
  users: number
  evicted: boolean
}

/** A layer's exact content (kind, sizes, coefficients, weights), interned: one id per distinct content. */
interface Content {
  readonly id: number
  readonly hash: string
  readonly bits: Uint32Array
  /** Layers and sessions holding it. */
  refs: number
}

const IDLE_KEPT = 16

/** A share of a session; `release()` once when done (a second call does nothing). */
export interface SessionLease {
  readonly key: string
  readonly session: Promise<OrtSession>
  /** Stops new leases of this session: a runtime failure. Released when the last lease goes. */
  evict(): void
  /** Another lease on the same session (a GPU state whose buffers its allocator owns). */
  share(): SessionLease
  /** Ends this share; the session closes when it was evicted and this was its last lease. */
  release(): void
}

/** A layer's share of its content id (session keys are per content); `release()` when the layer goes. */
export interface ContentLease {
  readonly id: number
  /** Gives the id back; its sessions go once no layer of that content is left. */
  release(): void
}

/** The options of a session of `graph` on a device: the policy's own, on top of the shared ones. */
export function sessionOptions(policy: DevicePolicy, graph: SessionGraph, work: number): SessionOptions {
  const provider = providerOptions(policy.device, policy.target)
  const own = policy.sessionOptions?.(graph, work) ?? {}
  const extraSession = { ...(provider.extra?.session ?? {}), ...(own.extra?.session ?? {}) }
  return {
    ...provider,
    // A step's current stays on the GPU for the next step (read only when the caller reads the
    // state); v comes back to the CPU, because the caller asked for it.
    ...(policy.residentCurrent && graph === 'step'
      ? { preferredOutputLocation: { [STEP_IO.iNew]: 'gpu-buffer' as const } }
      : {}),
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...own,
    ...(Object.keys(extraSession).length > 0 ? { extra: { ...own.extra, session: extraSession } } : {}),
  }
}

/** The ONNX model of a session shape: an exported kind (layerModel), or the runtime's unrolled steps. */
function modelBytes(spec: ResolvedLayerSpec, shape: SessionShape): Uint8Array {
  const { work: _work, recordCurrents, ...model } = shape
  if (model.graph !== 'steps') return layerModel(spec, { ...model, graph: model.graph }).bytes
  if (model.steps === undefined) throw new Error('an unrolled-steps session needs its steps')
  const batchDims = Array.from({ length: shape.batchRank }, (_, k) => `batch${k}`)
  const g = buildUnrolledStepsGraph(spec, {
    steps: model.steps,
    batchDims,
    recordCurrents: recordCurrents === true,
  })
  return encodeModel(g)
}

/** Every bit a layer's graphs bake in: sizes, coefficients and weights (−0 and NaN payloads included). */
function contentBits(spec: ResolvedLayerSpec): Uint32Array {
  const { a, b, vLeak, scalar } = spec.coefficients
  const w = spec.weights?.data ?? new Float32Array(0)
  const head = Uint32Array.of(spec.kind === 'weighted' ? 1 : 0, spec.neurons, spec.inputs, scalar ? 1 : 0)
  const parts = [head, ...[a, b, vLeak, w].map((x) => new Uint32Array(x.buffer, x.byteOffset, x.length))]
  const bits = new Uint32Array(parts.reduce((n, p) => n + p.length + 1, 0))
  let at = 0
  for (const p of parts) {
    bits[at++] = p.length
    bits.set(p, at)
    at += p.length
  }
  return bits
}

/** FNV-1a over 32-bit words: only a bucket; equal content is decided by comparing every word. */
function hashOf(bits: Uint32Array): string {
  let h = 0x811c9dc5
  for (let k = 0; k < bits.length; k++) {
    h ^= bits[k] as number
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16)
}

function sameBits(x: Uint32Array, y: Uint32Array): boolean {
  if (x.length !== y.length) return false
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false
  return true
}

/**
 * The onnxruntime sessions of one runtime, shared by every layer of the same content and shape:
 * keyed by exact content, leased (an evicted session lives until its last user lets go), and the
 * least recently used idle ones released beyond a few.
 */
export class SessionPool {
  readonly #runtime: OrtRuntime
  readonly #live = new Map<string, Entry>()
  /** Content by hash bucket, each compared word for word. */
  readonly #contents = new Map<string, Content[]>()
  /** Content and a spec of it by id, for building a session's model. */
  readonly #byId = new Map<number, { content: Content; spec: ResolvedLayerSpec }>()
  #nextId = 1
  /** Sessions evicted but still leased. */
  #draining = 0

  constructor(runtime: OrtRuntime) {
    this.#runtime = runtime
  }

  /** The content id of a layer's spec: equal content, equal id; another bit anywhere, another id. */
  content(spec: ResolvedLayerSpec): ContentLease {
    const bits = contentBits(spec)
    const hash = hashOf(bits)
    const bucket = this.#contents.get(hash) ?? []
    let content = bucket.find((c) => sameBits(c.bits, bits))
    if (!content) {
      content = { id: this.#nextId++, hash, bits, refs: 0 }
      bucket.push(content)
      this.#contents.set(hash, bucket)
      this.#byId.set(content.id, { content, spec })
    }
    const held = content
    held.refs++
    let released = false
    return {
      id: held.id,
      release: () => {
        if (released) return
        released = true
        this.#unref(held)
      },
    }
  }

  /** A lease on the session of this content and shape on a device. */
  acquire(contentId: number, policy: DevicePolicy, shape: SessionShape): SessionLease {
    const key = [
      policy.device,
      shape.graph,
      shape.parallel ?? '',
      shape.batchRank,
      shape.steps ?? 'T',
      shape.recordCurrents ? 'r' : '',
      policy.sessionVariant?.(shape.work) ?? '',
      contentId,
    ].join('|')
    let entry = this.#live.get(key)
    if (!entry) {
      const held = this.#byId.get(contentId)
      if (!held) throw new Error(`no layer content ${contentId} in this pool`)
      const { spec, content } = held
      const session = Promise.resolve().then(() =>
        this.#runtime.createSession(modelBytes(spec, shape), sessionOptions(policy, shape.graph, shape.work)),
      )
      content.refs++
      const created: Entry = { key, session, content, users: 0, evicted: false }
      entry = created
      this.#live.set(key, created)
      // A session that failed to create is forgotten, so a later call can try again.
      session.catch(() => {
        if (this.#live.get(key) === created) {
          this.#live.delete(key)
          this.#unref(created.content)
        }
      })
    } else {
      // Most recently used last: Map keeps insertion order, which the trimming below relies on.
      this.#live.delete(key)
      this.#live.set(key, entry)
    }
    entry.users++
    return this.#lease(entry)
  }

  #lease(entry: Entry): SessionLease {
    let released = false
    return {
      key: entry.key,
      session: entry.session,
      evict: () => this.#evict(entry),
      share: () => {
        entry.users++
        return this.#lease(entry)
      },
      release: () => {
        if (released) return
        released = true
        entry.users--
        if (entry.evicted) {
          if (entry.users === 0) {
            this.#draining--
            this.#close(entry)
          }
        } else this.#trim()
      },
    }
  }

  #evict(entry: Entry): void {
    if (entry.evicted) return
    entry.evicted = true
    if (this.#live.get(entry.key) === entry) this.#live.delete(entry.key)
    if (entry.users > 0) this.#draining++
    else this.#close(entry)
  }

  /**
   * What a failed call does to its session, for fault tests: no new leases; the session goes when
   * its last lease does (the layers and GPU states using it keep working until then).
   */
  evict(key: string): void {
    const entry = this.#live.get(key)
    if (entry) this.#evict(entry)
  }

  /** Idle sessions beyond IDLE_KEPT go, least recently used first. */
  #trim(): void {
    let idle = 0
    for (const e of this.#live.values()) if (e.users === 0) idle++
    for (const [key, e] of this.#live) {
      if (idle <= IDLE_KEPT) break
      if (e.users !== 0) continue
      this.#live.delete(key)
      this.#close(e)
      idle--
    }
  }

  #close(entry: Entry): void {
    entry.session.then((s) => s.release()).catch(() => undefined)
    this.#unref(entry.content)
  }

  #unref(content: Content): void {
    if (--content.refs > 0) return
    const bucket = this.#contents.get(content.hash) ?? []
    const rest = bucket.filter((c) => c !== content)
    if (rest.length > 0) this.#contents.set(content.hash, rest)
    else this.#contents.delete(content.hash)
    this.#byId.delete(content.id)
  }

  /** For fault tests: the session a key names, as the pool holds it. */
  sessionFor(key: string): Promise<OrtSession> | undefined {
    return this.#live.get(key)?.session
  }

  /** Sessions alive now, evicted ones still leased included (soak tests: must stay bounded). */
  get size(): number {
    return this.#live.size + this.#draining
  }

  /** Leases held now over all sessions (0 once every layer and GPU state is gone). */
  get leases(): number {
    let n = 0
    for (const e of this.#live.values()) n += e.users
    return n
  }

  /** Distinct layer contents held (by layers or sessions). */
  get contents(): number {
    return this.#byId.size
  }
}
