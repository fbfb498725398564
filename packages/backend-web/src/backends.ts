import { type BackendDeclaration, backendFor, costs, registerBackend } from '@leaky/core/backend'
import { probe } from './devices.js'
import { WebLayer } from './layer.js'

/**
 * onnxruntime-web's two devices, each one backend. Built-in costs (until `leaky bench` measures
 * this machine): the wasm build ~1e8 neuron-steps/s and ~30 µs a call, ~5e9 flop/s for x·Wᵀ;
 * WebGPU a guess for an unknown card.
 */
export const webWebgpuDeclaration: BackendDeclaration = {
  name: 'web-webgpu',
  device: 'webgpu',
  priority: 15,
  costs: costs([1e-4, 1e9], [1e-4, 1e9], 1e11),
  probe: () => probe('webgpu'),
  create: (spec) => new WebLayer(spec, 'webgpu'),
}

/** The declaration of `web-wasm`: onnxruntime-web's wasm execution provider. */
export const webWasmDeclaration: BackendDeclaration = {
  name: 'web-wasm',
  device: 'wasm',
  priority: 5,
  costs: costs([3e-5, 1e8], [3e-5, 1e8], 5e9),
  probe: () => probe('wasm'),
  create: (spec) => new WebLayer(spec, 'wasm'),
}

/** The `web-wasm` backend as a Backend object (registered on import). */
export const webWasmBackend = backendFor(webWasmDeclaration)
/** The `web-webgpu` backend as a Backend object (registered on import). */
export const webWebgpuBackend = backendFor(webWebgpuDeclaration)

/** Registers web-webgpu and web-wasm; without a workload `auto` tries them in that order (below node-*), then js. */
export function registerWebBackends(): void {
  registerBackend(webWebgpuDeclaration)
  registerBackend(webWasmDeclaration)
}
