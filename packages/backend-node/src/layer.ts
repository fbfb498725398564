import type { ResolvedLayerSpec } from '@leaky/core'
import { type DevicePolicy, type EngineLimits, OrtLayer, SessionPool } from '@leaky/onnx/runtime'
import { BACKEND_OF, type Device } from './devices.js'
import { runtime } from './ort.js'
import { readBack } from './read-back.js'
import { sessionOptions, sessionVariant } from './sessions.js'

/**
 * Which engine runs what, from the CPU benchmark (`pnpm bench:onnx`, benchmarks/README.md): a
 * session call costs ~20 µs here, so small steps run core's fused JS loop in this process (the same
 * float32 math, bit for bit); sequences of small layers run the chunked parallel graph (one GEMM per
 * chunk); large layers run the exact Scan graph. GPUs run the parallel graph: their EPs have no Scan.
 */
export const ENGINE_LIMITS: EngineLimits = {
  /** batch·N up to which a CPU step runs the JS loop instead of a session call. */
  jsStepMaxWork: 200_000,
  /** batch·N up to which a CPU sequence with scalar parameters runs the chunked parallel graph. */
  chunkedMaxWork: 20_000,
  /**
   * Voltages per session call of a long run, by graph: bounds onnxruntime's working memory (Scan
   * keeps its own copy of its output, ~1× a slice; the chunked graph ~5× a slice). Measured on
   * ff-1e5: 2^20 → 2.0e8, 2^22 → 3.1e8 neuron-steps/s (fewer calls); weighted-256 peak memory 1.75×
   * the output at 2^20 for the chunked graph.
   */
  sliceElements: { sequence: 1 << 22, parallel: 1 << 20 },
  /** Fewest steps per slice: a session call of a very wide layer has a fixed cost of its own (N=1e6: ~30 ms). */
  minSliceSteps: 32,
  /** node-webgpu and node-cuda take the chunked graph at any length (without batch dims). */
  gpuChunkedMinSteps: 0,
  /**
   * From this batch·N a CPU run is one step-session call per time step (`pnpm bench:onnx`, T=1000,
   * N=1e5: 5.4e8 neuron-steps/s vs 3.2e8 for Scan; at N=1e3 the call overhead makes it the slowest).
   */
  stepSessionMinWork: 50_000,
}

const pool = new SessionPool(runtime)

const POLICIES: Record<Device, DevicePolicy> = {
  cpu: policy('cpu'),
  webgpu: policy('webgpu'),
  cuda: policy('cuda'),
}

function policy(device: Device): DevicePolicy {
  return {
    device,
    backend: BACKEND_OF[device],
    target: device === 'cpu' ? 'cpu' : 'gpu',
    limits: ENGINE_LIMITS,
    residentCurrent: device === 'webgpu',
    sessionOptions: (_graph, work) => sessionOptions(work),
    sessionVariant,
    preallocateOutputs: true,
    evictOnFailure: true,
    readBack,
  }
}

/** The LI layer on onnxruntime-node (cpu, webgpu or cuda). */
export class NodeLayer extends OrtLayer {
  constructor(spec: ResolvedLayerSpec, device: Device) {
    super(spec, runtime, pool, POLICIES[device])
  }
}

/** For fault tests: the session a key (NodeLayer.sessionKeys) names, as the pool holds it. */
export function sessionFor(key: string) {
  return pool.sessionFor(key)
}

/** Sessions alive now (for soak tests: must stay bounded). */
export function liveSessionCount(): number {
  return pool.size
}
