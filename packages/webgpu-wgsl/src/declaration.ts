/**
 * The webgpu-wgsl backend as one declaration (the backend-declaration API of issue 12), and as a
 * plain Backend object for callers and tests until the registry takes declarations.
 */
import {
  type Availability,
  type Backend,
  BackendUnavailableError,
  type Layer,
  type LayerSpec,
  type ResolvedLayerSpec,
  resolveSpec,
} from '@leaky/core'
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
const costs = {
  sequence: { callSeconds: 1e-3, neuronStepsPerSecond: 5e10, flopsPerSecond: 5e12 },
  step: { callSeconds: 5e-4, neuronStepsPerSecond: 2e10, flopsPerSecond: 5e12 },
}

export const webgpuWgslDeclaration = {
  name: WGSL_BACKEND as string,
  device: 'webgpu' as const,
  priority: 25,
  costs,
  probe,
  create,
}

export const webgpuWgslBackend: Backend = {
  name: WGSL_BACKEND,
  available: probe,
  async createLayer(spec: LayerSpec): Promise<Layer> {
    return create(resolveSpec(spec))
  },
}
