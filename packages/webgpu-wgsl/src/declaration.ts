/** The webgpu-wgsl backend as one declaration; importing @leaky/webgpu-wgsl registers it. */
import {
  type Availability,
  type Backend,
  BackendUnavailableError,
  type Layer,
  type ResolvedLayerSpec,
} from '@leaky/core'
import { type BackendDeclaration, backendFor, costs, registerBackend } from '@leaky/core/backend'
import { type Acquired, acquireGpu } from './device.js'
import { WGSL_BACKEND, WgslLayer } from './layer.js'

const gpu = (): Promise<Acquired> => acquireGpu()

async function probe(): Promise<Availability> {
  const g = await gpu()
  return g.ok ? { ok: true } : { ok: false, reason: g.reason }
}

async function create(spec: ResolvedLayerSpec): Promise<Layer> {
  const g = await gpu()
  if (!g.ok) {
    throw new BackendUnavailableError(`backend ${WGSL_BACKEND} is not available: ${g.reason}`, [
      { backend: WGSL_BACKEND, reason: g.reason },
    ])
  }
  return new WgslLayer(spec, g.gpu)
}

/**
 * Built-in cost figures for `auto`. Unverified: no real GPU has run this backend yet; the sequence
 * rate is the memory roofline of a mid-range card (8 B a neuron-step at ~400 GB/s), the call cost a
 * submit plus one readback. `leaky bench` calibrates real figures.
 */
export const webgpuWgslDeclaration: BackendDeclaration = {
  name: WGSL_BACKEND,
  device: 'webgpu',
  priority: 25,
  costs: costs([1e-3, 5e10], [5e-4, 2e10], 5e12),
  probe,
  create,
}

/** The same backend as a Backend object, without the registry (tests, scripts). */
export const webgpuWgslBackend: Backend = backendFor(webgpuWgslDeclaration)

/** Makes webgpu-wgsl selectable by name, by the 'webgpu'/'gpu' aliases and by `auto`. */
export function registerWebgpuWgslBackend(): void {
  registerBackend(webgpuWgslDeclaration)
}
