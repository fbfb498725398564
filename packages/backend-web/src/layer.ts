import type { ResolvedLayerSpec } from '@leaky/core'
import { type DevicePolicy, type EngineLimits, OrtLayer, SessionPool } from '@leaky/onnx/runtime'
import { BACKEND_OF, type Device } from './devices.js'
import { runtime } from './ort.js'

/**
 * Which engine runs what (wasm), from `pnpm bench:web` and the engine measurements in the package
 * README: a wasm session call costs tens of µs, so small steps run core's fused JS loop (the same
 * float32 math, bit for bit); sequences of small layers run the chunked parallel graph (one GEMM per
 * chunk); large layers the exact Scan graph. WebGPU runs the parallel graph: it has no Scan kernel.
 */
export const ENGINE_LIMITS: EngineLimits = {
  /** batch·N up to which a wasm step runs the JS loop instead of a session call. */
  jsStepMaxWork: 200_000,
  /** batch·N up to which a wasm sequence with scalar parameters runs the chunked parallel graph. */
  chunkedMaxWork: 20_000,
  /**
   * Voltages per session call of a long run, by graph (as @leaky/backend-node, measured there):
   * bounds onnxruntime's working memory to a slice, not the whole sequence.
   */
  sliceElements: { sequence: 1 << 22, parallel: 1 << 20 },
  /** Fewest steps per slice: a session call of a very wide layer has a fixed cost of its own. */
  minSliceSteps: 32,
  /**
   * WebGPU sequences (slices) shorter than this run the doubling graph, not the chunked one, which
   * pads to a whole chunk: T = 1 at N = 1e6 took 68 s on SwiftShader chunked (a [32, 32]·[32, N]
   * GEMM per call).
   */
  gpuChunkedMinSteps: 64,
}

const pool = new SessionPool(runtime)

const POLICIES: Record<Device, DevicePolicy> = {
  wasm: policy('wasm'),
  webgpu: policy('webgpu'),
}

function policy(device: Device): DevicePolicy {
  return {
    device,
    backend: BACKEND_OF[device],
    // wasm is onnxruntime-web's CPU EP.
    target: device === 'wasm' ? 'cpu' : 'gpu',
    limits: ENGINE_LIMITS,
    residentCurrent: device === 'webgpu',
  }
}

/** The LI layer on onnxruntime-web (wasm or webgpu). */
export class WebLayer extends OrtLayer {
  constructor(spec: ResolvedLayerSpec, device: Device) {
    super(spec, runtime, pool, POLICIES[device])
  }
}

/** Sessions alive now (for soak tests: must stay bounded). */
export function liveSessionCount(): number {
  return pool.size
}
