import { type BackendDeclaration, backendFor, costs, registerBackend } from '@leaky/core/backend'
import { type Device, probe } from './devices.js'
import { NodeLayer } from './layer.js'

/**
 * onnxruntime-node's three devices, each one backend. Built-in costs (until `leaky bench` measures
 * this machine): node-cpu runs small steps on core's JS loop (~2 µs a call) and a run is a session
 * call (~20 µs) at ~3e8 neuron-steps/s, with MLAS's matmul for x·Wᵀ (~2e10 flop/s on 2 cores); the
 * GPUs are guesses for an unknown card (~0.1 ms a call: upload, dispatch, read back).
 */
function declaration(
  name: string,
  device: Device,
  priority: number,
  figures: BackendDeclaration['costs'],
): BackendDeclaration {
  return {
    name,
    device,
    priority,
    costs: figures,
    probe: () => probe(device),
    create: (spec) => new NodeLayer(spec, device),
  }
}

/** The declaration of `node-cuda`: onnxruntime-node's CUDA execution provider. */
export const nodeCudaDeclaration = declaration(
  'node-cuda',
  'cuda',
  30,
  costs([1e-4, 1e10], [1e-4, 1e10], 1e12),
)
/** The declaration of `node-webgpu`: onnxruntime-node's WebGPU execution provider. */
export const nodeWebgpuDeclaration = declaration(
  'node-webgpu',
  'webgpu',
  20,
  costs([1e-4, 1e9], [1e-4, 1e9], 1e11),
)
/** The declaration of `node-cpu`: onnxruntime-node's CPU execution provider. */
export const nodeCpuDeclaration = declaration('node-cpu', 'cpu', 10, costs([2e-5, 3e8], [2e-6, 3e8], 2e10))

/** The `node-cpu` backend as a Backend object (registered on import). */
export const nodeCpuBackend = backendFor(nodeCpuDeclaration)
/** The `node-webgpu` backend as a Backend object (registered on import). */
export const nodeWebgpuBackend = backendFor(nodeWebgpuDeclaration)
/** The `node-cuda` backend as a Backend object (registered on import). */
export const nodeCudaBackend = backendFor(nodeCudaDeclaration)

/** Registers node-cuda, node-webgpu and node-cpu; without a workload `auto` tries them in that order, then js. */
export function registerNodeBackends(): void {
  registerBackend(nodeCudaDeclaration)
  registerBackend(nodeWebgpuDeclaration)
  registerBackend(nodeCpuDeclaration)
}
