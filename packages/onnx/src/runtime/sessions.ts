import type { ResolvedLayerSpec } from '@leaky/core'
import { STEP_IO } from '../li/io-names.js'
import { type LayerModelOptions, layerModel } from '../model/layer-model.js'
import {
  type DevicePolicy,
  type OrtRuntime,
  type OrtSession,
  providerOptions,
  type SessionOptions,
} from './runtime.js'

/**
 * Sessions are the expensive part of a layer (tens of ms to create, ~1–2 s for the first WebGPU
 * one), so they are made once per (device, graph, layer content, batch rank, steps, variant) and
 * shared: two layers with the same spec, or a layer made again after dispose(), reuse one session.
 * Idle sessions stay for a while (LRU) so that create/dispose loops do not rebuild them. Each
 * backend package keeps one pool for its runtime.
 */
interface Entry {
  readonly session: Promise<OrtSession>
  users: number
}

const IDLE_KEPT = 16

/** What a session is made from: the graph options and the work per op (for thread counts). */
export interface SessionRequest extends LayerModelOptions {
  /** Elements per op (batch·N), for the device's session options (threads). */
  readonly work: number
}

/** The options of a session of `graph` on a device: the policy's own, on top of the shared ones. */
export function sessionOptions(
  policy: DevicePolicy,
  graph: LayerModelOptions['graph'],
  work: number,
): SessionOptions {
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

/** A cheap, stable fingerprint of a layer's content (parameters, dt, weights). */
export function fingerprint(spec: ResolvedLayerSpec): string {
  let h = 0x811c9dc5
  const mix = (bits: Uint32Array) => {
    for (let k = 0; k < bits.length; k++) {
      h ^= bits[k] as number
      h = Math.imul(h, 0x01000193) >>> 0
    }
  }
  const { a, b, vLeak } = spec.coefficients
  for (const arr of [a, b, vLeak]) mix(new Uint32Array(arr.buffer, arr.byteOffset, arr.length))
  if (spec.weights) {
    const w = spec.weights.data
    mix(new Uint32Array(w.buffer, w.byteOffset, w.length))
  }
  return `${spec.kind}:${spec.neurons}x${spec.inputs}:${spec.coefficients.scalar ? 's' : 'p'}:${h.toString(16)}`
}

/** One session per graph, shared by every layer that needs it; up to 16 idle ones are kept for reuse. */
export class SessionPool {
  readonly #runtime: OrtRuntime
  readonly #live = new Map<string, Entry>()

  constructor(runtime: OrtRuntime) {
    this.#runtime = runtime
  }

  /** A session for the request, shared; call `release(key)` when the layer is done with it. */
  acquire(
    spec: ResolvedLayerSpec,
    policy: DevicePolicy,
    request: SessionRequest,
  ): { key: string; session: Promise<OrtSession> } {
    const key = [
      policy.device,
      request.graph,
      request.parallel ?? '',
      request.batchRank ?? 0,
      request.steps ?? 'T',
      policy.sessionVariant?.(request.work) ?? '',
      fingerprint(spec),
    ].join('|')
    let entry = this.#live.get(key)
    if (!entry) {
      const { work, ...model } = request
      const session = Promise.resolve().then(() =>
        this.#runtime.createSession(layerModel(spec, model).bytes, sessionOptions(policy, model.graph, work)),
      )
      entry = { session, users: 0 }
      this.#live.set(key, entry)
      // A session that failed to create is forgotten, so a later call can try again.
      session.catch(() => this.#live.delete(key))
    } else {
      // Most recently used last: Map keeps insertion order, which the eviction below relies on.
      this.#live.delete(key)
      this.#live.set(key, entry)
    }
    entry.users++
    return { key, session: entry.session }
  }

  /** Ends one use of a session; the least recently used idle sessions beyond 16 are released. */
  release(key: string): void {
    const entry = this.#live.get(key)
    if (!entry) return
    entry.users = Math.max(0, entry.users - 1)
    let idle = [...this.#live.entries()].filter(([, e]) => e.users === 0)
    while (idle.length > IDLE_KEPT) {
      const [oldKey, old] = idle[0] as [string, Entry]
      this.#live.delete(oldKey)
      old.session.then((s) => s.release()).catch(() => undefined)
      idle = idle.slice(1)
    }
  }

  /**
   * Forgets a session whose runtime failed (it threw mid-run, its device was lost): every layer that
   * uses it gets a fresh one on its next call, instead of failing forever.
   */
  evict(key: string): void {
    const entry = this.#live.get(key)
    if (!entry) return
    this.#live.delete(key)
    entry.session.then((s) => s.release()).catch(() => undefined)
  }

  /** For fault tests: the session a key names, as the pool holds it. */
  sessionFor(key: string): Promise<OrtSession> | undefined {
    return this.#live.get(key)?.session
  }

  /** Sessions alive now (for soak tests: must stay bounded). */
  get size(): number {
    return this.#live.size
  }
}
