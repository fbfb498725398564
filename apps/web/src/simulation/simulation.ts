import { type BackendName, getBackend, type LayerSpec, type Tensor } from '@leaky/core'
import { makeInput } from '../input/input.js'
import type { Setup } from '../setup/setup.js'

/** One simulated setup: what was computed, on which backend, and how long it took. */
export interface Simulation {
  readonly setup: Setup
  readonly backend: BackendName
  /** [T, N] */
  readonly input: Tensor
  /** v after every step, [T, N] row-major. */
  readonly voltages: Float32Array
  /** i after every step (recordStates), [T, N] row-major. */
  readonly currents: Float32Array
  /** The layer's stability warnings, from the spec's onWarning channel. */
  readonly warnings: readonly string[]
  readonly createMs: number
  readonly runMs: number
}

/** The layer a setup describes: a feed-forward LI layer with scalar parameters. */
export function layerSpec(s: Setup, onWarning?: LayerSpec['onWarning']): LayerSpec {
  return {
    neurons: s.neurons,
    params: { tauSynInv: s.tauSynInv, tauMemInv: s.tauMemInv, vLeak: s.vLeak },
    dt: s.dt,
    ...(onWarning ? { onWarning } : {}),
  }
}

/** Runs a setup on its backend, through the public Backend interface only. */
export async function simulateSetup(setup: Setup): Promise<Simulation> {
  const backend = await getBackend(setup.backend)
  const warnings: string[] = []
  const input = makeInput(setup)
  const t0 = performance.now()
  const layer = await backend.createLayer(layerSpec(setup, (w) => warnings.push(w.message)))
  const t1 = performance.now()
  try {
    const result = await layer.run(input, undefined, { recordStates: true })
    const runMs = performance.now() - t1
    if (!result.states) throw new Error(`backend ${backend.name} returned no recorded states`)
    return {
      setup,
      backend: backend.name,
      input,
      voltages: result.voltages.data,
      currents: result.states.i.data,
      warnings,
      createMs: t1 - t0,
      runMs,
    }
  } finally {
    await layer.dispose()
  }
}
