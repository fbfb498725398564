import { registerBackend } from '@leaky/core'
import { ortBackend } from '@leaky/onnx/runtime'
import { BACKEND_OF, type Device, probe } from './devices.js'
import { WebLayer } from './layer.js'

function webBackend(device: Device) {
  return ortBackend(
    BACKEND_OF[device],
    () => probe(device),
    (spec) => new WebLayer(spec, device),
  )
}

export const webWasmBackend = webBackend('wasm')
export const webWebgpuBackend = webBackend('webgpu')

/** Registers web-webgpu and web-wasm; `auto` tries them in that order (below node-*), then js. */
export function registerWebBackends(): void {
  registerBackend('web-webgpu', () => webWebgpuBackend, 15)
  registerBackend('web-wasm', () => webWasmBackend, 5)
}
