import { registerBackend } from '@leaky/core'
import { ortBackend } from '@leaky/onnx/runtime'
import { BACKEND_OF, type Device, probe } from './devices.js'
import { NodeLayer } from './layer.js'

function nodeBackend(device: Device) {
  return ortBackend(
    BACKEND_OF[device],
    () => probe(device),
    (spec) => new NodeLayer(spec, device),
  )
}

export const nodeCpuBackend = nodeBackend('cpu')
export const nodeWebgpuBackend = nodeBackend('webgpu')
export const nodeCudaBackend = nodeBackend('cuda')

/** Registers node-cuda, node-webgpu and node-cpu; `auto` tries them in that order, then js. */
export function registerNodeBackends(): void {
  registerBackend('node-cuda', () => nodeCudaBackend, 30)
  registerBackend('node-webgpu', () => nodeWebgpuBackend, 20)
  registerBackend('node-cpu', () => nodeCpuBackend, 10)
}
