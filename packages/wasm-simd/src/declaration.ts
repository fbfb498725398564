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
   * Measured here (2-core AMD EPYC, Node 20; benchmarks/src/bench-wasm.ts and a run()/step() of a
   * 4-neuron layer), on a shared machine whose load ran 3–20, so conservative: sequence = ff-1e5
   * run() on the caller's arrays (7.6e8 at load 3.6), a tiny run() 1.4e-5 s (load 20), dense x·Wᵀ
   * 4.8e9 flop/s (weighted-1024, load 16; spike input runs ~8× that, event-driven); step = step-1e3
   * through layer.step, 3.05 µs at load 3.6, of which the kernel (2.9e9 neuron-steps/s) is 0.35 µs.
   */
  costs: {
    sequence: { callSeconds: 1.4e-5, neuronStepsPerSecond: 7.6e8, flopsPerSecond: 4.8e9 },
    step: { callSeconds: 2.7e-6, neuronStepsPerSecond: 2.9e9, flopsPerSecond: 4.8e9 },
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
