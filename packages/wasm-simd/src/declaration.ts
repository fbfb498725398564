import {
  type Availability,
  type Backend,
  type BackendCost,
  type BackendName,
  type Layer,
  type LayerSpec,
  type ResolvedLayerSpec,
  resolveSpec,
} from '@leaky/core'
import { getEngine, getSharedEngine, simdSupported } from './engine.js'
import { WasmSimdLayer } from './layer.js'

/**
 * wasm-simd as one declaration (the backend-declaration API of issue 12). Until @leaky/core's
 * registerBackend takes declarations, nothing registers it: `wasmSimdBackend` below is the same
 * backend as a plain Backend object for tests and scripts, and this file is the one to adapt.
 */
export const wasmSimdDeclaration = {
  name: 'wasm-simd',
  device: 'wasm',
  // Above the onnxruntime backends on a CPU: no runtime, no per-call session cost.
  priority: 20,
  /**
   * Measured on the 2-core AMD EPYC these figures come from (benchmarks/src/bench-wasm.ts, one
   * thread, the caller's arrays): sequence = ff-1e5 run(), step = step-1e3 through layer.step.
   */
  costs: {
    sequence: { callSeconds: 2e-6, neuronStepsPerSecond: 1.5e9, flopsPerSecond: 2e10 },
    step: { callSeconds: 1e-6, neuronStepsPerSecond: 1e9 },
  } satisfies BackendCost,
  async probe(): Promise<Availability> {
    if (typeof WebAssembly !== 'object') return { ok: false, reason: 'this runtime has no WebAssembly' }
    if (!simdSupported()) return { ok: false, reason: 'this WebAssembly engine has no SIMD128' }
    try {
      await getEngine()
      return { ok: true }
    } catch (error) {
      return { ok: false, reason: `the wasm module failed to load: ${(error as Error).message}` }
    }
  },
  async create(spec: ResolvedLayerSpec): Promise<WasmSimdLayer> {
    return new WasmSimdLayer(spec, await getEngine(), await getSharedEngine())
  },
} as const

let probed: Promise<Availability> | undefined

/** The same backend as a Backend object (today's registry and the conformance kit take these). */
export const wasmSimdBackend: Backend = {
  name: 'wasm-simd' as BackendName,
  available(): Promise<Availability> {
    probed ??= wasmSimdDeclaration.probe()
    return probed
  },
  async createLayer(spec: LayerSpec): Promise<Layer> {
    const resolved = resolveSpec(spec)
    const availability = await this.available()
    if (!availability.ok) {
      const { BackendUnavailableError } = await import('@leaky/core')
      throw new BackendUnavailableError(`backend wasm-simd is not available: ${availability.reason}`, [
        { backend: 'wasm-simd', reason: availability.reason },
      ])
    }
    return wasmSimdDeclaration.create(resolved)
  },
}
