import {
  type Backend,
  BackendUnavailableError,
  type Layer,
  type LayerSpec,
  registerBackend,
  resolveSpec,
} from '@leaky/core'
import { BACKEND_OF, type Device, probe } from './devices.js'
import { WebLayer } from './layer.js'

function webBackend(device: Device): Backend {
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
      return new WebLayer(resolved, device)
    },
  }
}

export const webWasmBackend = webBackend('wasm')
export const webWebgpuBackend = webBackend('webgpu')

/** Registers web-webgpu and web-wasm; `auto` tries them in that order (below node-*), then js. */
export function registerWebBackends(): void {
  registerBackend('web-webgpu', () => webWebgpuBackend, 15)
  registerBackend('web-wasm', () => webWasmBackend, 5)
}
