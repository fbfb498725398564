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
   * Measured here (2-core AMD EPYC, Node 20; benchmarks/src/bench-wasm.ts, bench-norse.ts and a
   * run()/step() of a 4-neuron layer), conservative for a shared machine: sequence = ff-1e5 run() on
   * the caller's arrays (7.6e8 at load 3.6; 1.6e9 pipelined at load 1.1), a tiny run() 1.4e-5 s
   * (load 20); step = step-1e3 through layer.step, 2.7e-6 s (2.1 µs at load 1.1), the kernel 2.9e9.
   * x·Wᵀ, both figures at a quarter of what it measured, as node-cpu's declared 2e10 is a fifth of its
   * MatMul (1e11 at load 2, bench-norse.ts), so that dense input goes to node-cpu (1.6–2× wasm-simd
   * on weighted-1024): dense 1.5e10 (its two-thread sgemm: weighted-1024 at 3.1e7 neuron-steps/s =
   * 6.3e10 flop/s), event-driven 5e9 useful flop/s (weighted-256, spikes at p = 0.1: 4.5e8
   * neuron-steps/s = 2.3e10 useful flop/s), so that a workload that declares its inputDensity as
   * spikes comes here (4–5× node-cpu on weighted-256). The event figure must stay below the dense
   * one: at density 1 the event path is the slower.
   */
  costs: costs([1.4e-5, 7.6e8], [2.7e-6, 2.9e9], 1.5e10, 5e9),
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
