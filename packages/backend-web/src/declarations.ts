import { backendFor, costs } from '@leaky/core/backend'
import { defineOrtBackends, type EngineLimits, MEASURED_LIMITS } from '@leaky/onnx/runtime'
import { probe } from './devices.js'
import { runtime } from './ort.js'

/**
 * Which engine runs what: wasm as onnxruntime-node's CPU EP (MEASURED_LIMITS; `pnpm bench:web`
 * agrees). WebGPU slices shorter than 64 steps run the doubling graph, not the chunked one, which
 * pads to a whole chunk: T = 1 at N = 1e6 took 68 s on SwiftShader chunked (a [32, 32]·[32, N] GEMM).
 */
export const WEB_LIMITS: EngineLimits = Object.freeze({ ...MEASURED_LIMITS, gpuChunkedMinSteps: 64 })

/**
 * onnxruntime-web's two devices, each one backend. Built-in costs (until `leaky bench` measures
 * this machine): the wasm build ~1e8 neuron-steps/s and ~30 µs a call, ~5e9 flop/s for x·Wᵀ;
 * WebGPU a guess for an unknown card.
 */
export const webBackends = defineOrtBackends({
  runtime,
  devices: [
    {
      name: 'web-webgpu',
      device: 'webgpu',
      priority: 15,
      costs: costs([1e-4, 1e9], [1e-4, 1e9], 1e11),
      limits: WEB_LIMITS,
      residentCurrent: true,
      probe: () => probe('webgpu'),
    },
    {
      name: 'web-wasm',
      device: 'wasm',
      priority: 5,
      costs: costs([3e-5, 1e8], [3e-5, 1e8], 5e9),
      limits: WEB_LIMITS,
      probe: () => probe('wasm'),
    },
  ],
})

/** The declaration of web-webgpu (onnxruntime-web, WebGPU), as registered on import. */
export const webWebgpuDeclaration = webBackends.declaration('web-webgpu')
/** The declaration of web-wasm (onnxruntime-web, wasm), as registered on import. */
export const webWasmDeclaration = webBackends.declaration('web-wasm')

/** web-wasm as a Backend without the registry (tests, scripts). */
export const webWasmBackend = backendFor(webWasmDeclaration)
/** web-webgpu as a Backend without the registry (tests, scripts). */
export const webWebgpuBackend = backendFor(webWebgpuDeclaration)

/** Registers web-webgpu and web-wasm; without a workload `auto` tries them in that order (below node-*), then js. */
export function registerWebBackends(): void {
  webBackends.register()
}
