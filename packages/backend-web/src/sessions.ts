import type { ResolvedLayerSpec } from '@leaky/core'
import { type LayerModelOptions, layerModel, STEP_IO } from '@leaky/onnx'
import { type Device, providerOptions } from './devices.js'
import { createSession, type OrtSession, type ort } from './ort.js'

/**
 * Sessions are the expensive part of a layer (tens of ms to create, ~1–2 s for the first WebGPU
 * one), so they are made once per (device, graph, layer content, batch rank, steps) and shared: two
 * layers with the same spec, or a layer made again after dispose(), reuse one session. Idle sessions
 * stay for a while (LRU) so that create/dispose loops do not rebuild them.
 */
interface Entry {
  readonly session: Promise<OrtSession>
  users: number
}

const live = new Map<string, Entry>()
const IDLE_KEPT = 16

type SessionOptions = NonNullable<Parameters<typeof ort.InferenceSession.create>[1]>

function sessionOptions(device: Device, graph: string): SessionOptions {
  return {
    ...providerOptions(device),
    // WebGPU: a step's current stays on the GPU for the next step (read only when the caller reads
    // the state); v comes back to the CPU, because the caller asked for it.
    ...(device === 'webgpu' && graph === 'step'
      ? { preferredOutputLocation: { [STEP_IO.iNew]: 'gpu-buffer' } }
      : {}),
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
  } as SessionOptions
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

export interface SessionRequest extends LayerModelOptions {
  readonly device: Device
}

function keyOf(spec: ResolvedLayerSpec, r: SessionRequest): string {
  return [r.device, r.graph, r.parallel ?? '', r.batchRank ?? 0, r.steps ?? 'T', fingerprint(spec)].join('|')
}

/** A session for the request, shared; call `releaseSession(key)` when the layer is done with it. */
export function acquireSession(
  spec: ResolvedLayerSpec,
  request: SessionRequest,
): { key: string; session: Promise<OrtSession> } {
  const key = keyOf(spec, request)
  let entry = live.get(key)
  if (!entry) {
    const { device, ...model } = request
    const session = Promise.resolve().then(() =>
      createSession(layerModel(spec, model).bytes, sessionOptions(device, model.graph)),
    )
    entry = { session, users: 0 }
    live.set(key, entry)
    // A session that failed to create is forgotten, so a later call can try again.
    session.catch(() => live.delete(key))
  } else {
    // Most recently used last: Map keeps insertion order, which the eviction below relies on.
    live.delete(key)
    live.set(key, entry)
  }
  entry.users++
  return { key, session: entry.session }
}

export function releaseSession(key: string): void {
  const entry = live.get(key)
  if (!entry) return
  entry.users = Math.max(0, entry.users - 1)
  let idle = [...live.entries()].filter(([, e]) => e.users === 0)
  while (idle.length > IDLE_KEPT) {
    const [oldKey, old] = idle[0] as [string, Entry]
    live.delete(oldKey)
    old.session.then((s) => s.release()).catch(() => undefined)
    idle = idle.slice(1)
  }
}

/** Sessions alive now (for soak tests: must stay bounded). */
export function liveSessionCount(): number {
  return live.size
}
