import type { Availability, Backend, ResolvedLayerSpec } from '@leaky/core'
import { type BackendDeclaration, backendFor, costs, registerBackend } from '@leaky/core/backend'
import { getEngine, getSharedEngine, simdSupported } from './engine.js'
import { WasmSimdLayer } from './layer.js'

/** wasm-simd as one declaration: importing @leaky/wasm-simd registers it. */
export const wasmSimdDeclaration: BackendDeclaration = {
  name: 'wasm-simd',
  device: 'wasm',
  // Above node-cpu and web-wasm (no runtime, no per-call session cost), below the GPUs.
  priority: 12,
  /**
   * Measured here (2-core AMD EPYC, Node 20; benchmarks/src/bench-wasm.ts and a run()/step() of a
   * 4-neuron layer), on a shared machine whose load ran 3–20, so conservative: sequence = ff-1e5
   * run() on the caller's arrays (7.6e8 at load 3.6), a tiny run() 1.4e-5 s (load 20); x·Wᵀ 4e10
   * flop/s, below its dense sgemm (weighted-1024: 3.2e7 neuron-steps/s = 6.6e10 flop/s on two
   * threads at load 1.6, bench-norse.ts; one thread 3.5e10, scripts/bench-project.mjs). auto's model
   * has no input density, and this figure (above node-cpu's declared 2e10) makes it pick wasm-simd
   * for weighted layers: on spikes its event-driven x·Wᵀ runs 4× node-cpu (weighted-256: 3.7e8 vs
   * 9.0e7 in that run), while on dense input node-cpu's MatMul runs 1.9× wasm-simd (6.0e7 vs 3.2e7).
   * step = step-1e3 through layer.step, 3.05 µs at load 3.6, of which the kernel (2.9e9
   * neuron-steps/s) is 0.35 µs.
   */
  costs: costs([1.4e-5, 7.6e8], [2.7e-6, 2.9e9], 4e10),
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
  async create(spec: ResolvedLayerSpec) {
    return new WasmSimdLayer(spec, await getEngine(), await getSharedEngine())
  },
}

/** The same backend as a Backend object, without the registry (tests, scripts). */
export const wasmSimdBackend: Backend = backendFor(wasmSimdDeclaration)

/** Makes wasm-simd selectable by name, by the 'wasm' alias and by `auto`. */
export function registerWasmSimdBackend(): void {
  registerBackend(wasmSimdDeclaration)
}
