import type { BackendCost } from '@leaky/core'
import { backendFor, costs } from '@leaky/core/backend'
import { defineOrtBackends, type EngineLimits, MEASURED_LIMITS, type OrtDevice } from '@leaky/onnx/runtime'
import { type Device, probe, softwareVulkanOnly } from './devices.js'
import { runtime } from './ort.js'
import { readBack } from './read-back.js'
import { sessionOptions, sessionVariant } from './sessions.js'

/**
 * Which engine runs what: onnxruntime-node's CPU measurements (MEASURED_LIMITS), plus feed-forward
 * CPU runs from batch·N = 1e4 as one call of the unrolled-steps graph per chunk of 8 steps
 * (`pnpm bench:engines`: side by side in one run, median of rounds, on 2 shared cores at load 3–6,
 * 1.04–1.31× the best of a step session per step, Scan and the chunked parallel graph at N = 1e4,
 * 3e4, 6e4, 1e5 and 1e6; 0.6–0.9× at N = 1e3–5e3, where the chunked parallel graph or Scan stay).
 * node-webgpu and node-cuda take the chunked graph at any length (without batch dims).
 */
export const NODE_LIMITS: EngineLimits = Object.freeze({
  ...MEASURED_LIMITS,
  stepChunkMinWork: 10_000,
  stepChunkSteps: 8,
})

/** One onnxruntime-node device: the limits, session choices and failure policy they all share. */
function nodeDevice(name: string, device: Device, priority: number, figures: BackendCost): OrtDevice {
  return {
    name,
    device,
    priority,
    costs: figures,
    limits: NODE_LIMITS,
    // A step's current stays on the GPU between steps.
    residentCurrent: device === 'webgpu',
    sessionOptions: (graph, work) => sessionOptions(work, graph),
    sessionVariant,
    preallocateOutputs: true,
    evictOnFailure: true,
    readBack,
    probe: () => probe(device),
  }
}

/**
 * node-webgpu where the only Vulkan drivers are software ones (SwiftShader: what the README suggests
 * on a machine without a GPU), as `leaky bench --quick` measured it on a 2-core VM: ~0.7 ms a run
 * call at ~1e6 neuron-steps/s (the parallel-in-time graph on an emulated GPU), ~0.5 ms a step.
 * Slower than every CPU backend, so `auto` leaves it alone unless a calibration says otherwise.
 */
const SOFTWARE_WEBGPU = costs([7e-4, 1e6], [5e-4, 4e7], 6e8)

/**
 * onnxruntime-node's three devices, each one backend. Built-in costs (until `leaky bench` measures
 * this machine): node-cpu runs small steps on core's JS loop (~2 µs a call) and a run is a session
 * call (~20 µs) at ~3e8 neuron-steps/s, with MLAS's matmul for x·Wᵀ (~2e10 flop/s on 2 cores); the
 * GPUs are guesses for an unknown card (~0.1 ms a call: upload, dispatch, read back), except a
 * software Vulkan (decided from the environment when this module loads).
 */
export const nodeBackends = defineOrtBackends({
  runtime,
  devices: [
    nodeDevice('node-cuda', 'cuda', 30, costs([1e-4, 1e10], [1e-4, 1e10], 1e12)),
    nodeDevice(
      'node-webgpu',
      'webgpu',
      20,
      softwareVulkanOnly() ? SOFTWARE_WEBGPU : costs([1e-4, 1e9], [1e-4, 1e9], 1e11),
    ),
    nodeDevice('node-cpu', 'cpu', 10, costs([2e-5, 3e8], [2e-6, 3e8], 2e10)),
  ],
})

/** The declaration of node-cuda (onnxruntime-node, CUDA EP), as registered on import. */
export const nodeCudaDeclaration = nodeBackends.declaration('node-cuda')
/** The declaration of node-webgpu (onnxruntime-node, WebGPU EP), as registered on import. */
export const nodeWebgpuDeclaration = nodeBackends.declaration('node-webgpu')
/** The declaration of node-cpu (onnxruntime-node, CPU EP), as registered on import. */
export const nodeCpuDeclaration = nodeBackends.declaration('node-cpu')

/** node-cpu as a Backend without the registry (tests, scripts). */
export const nodeCpuBackend = backendFor(nodeCpuDeclaration)
/** node-webgpu as a Backend without the registry (tests, scripts). */
export const nodeWebgpuBackend = backendFor(nodeWebgpuDeclaration)
/** node-cuda as a Backend without the registry (tests, scripts). */
export const nodeCudaBackend = backendFor(nodeCudaDeclaration)

/** Registers node-cuda, node-webgpu and node-cpu; without a workload `auto` tries them in that order, then js. */
export function registerNodeBackends(): void {
  nodeBackends.register()
}
