import {
  type Backend,
  BackendUnavailableError,
  type Layer,
  type LayerSpec,
  registerBackend,
  resolveSpec,
} from '@leaky/core'
import { BACKEND_OF, type Device, probe } from './devices.js'
import { NodeLayer } from './layer.js'

function nodeBackend(device: Device): Backend {
  const name = BACKEND_OF[device]
  return {
    name,
    available: () => probe(device),
    async createLayer(spec: LayerSpec): Promise<Layer> {
      // Check the spec first: a bad spec is the caller's error whatever the device.
      const resolved = resolveSpec(spec)
      const availability = await probe(device)
      if (!availability.ok) {
        throw new BackendUnavailableError(`backend ${name} is not available: ${availability.reason}`, [
          { backend: name, reason: availability.reason },
        ])
      }
      return new NodeLayer(resolved, device)
    },
  }
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
