import { getBackend, type LayerSpec, type LIState, type Tensor } from '@leaky/core'
import { loadBackend } from '../backends/backends.js'
import { makeInput } from '../input/input.js'
import type { Setup } from '../setup/setup.js'

/** One simulated setup: what was computed, on which backend, and how long it took. */
export interface Simulation {
  readonly setup: Setup
  readonly backend: string
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

/** A simulation stopped by Cancel or by a newer edit. */
export class SimulationCancelled extends Error {
  constructor() {
    super('simulation cancelled')
    this.name = 'SimulationCancelled'
  }
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

/**
 * The run is cut into time chunks (the state carried from one to the next, so the numbers are those
 * of one call); between chunks the page paints progress and hears Cancel. Chunks start small and
 * double while one takes under CHUNK_MS, up to CHUNK_CELLS values: Cancel is heard within about
 * CHUNK_MS on a fast backend and a slow one alike, and lengths stay powers of two (few shapes for
 * runtimes that plan per shape).
 */
const FIRST_CHUNK_CELLS = 16_384
const CHUNK_CELLS = 262_144
const CHUNK_MS = 50

function firstChunk(neurons: number): number {
  return 2 ** Math.max(0, Math.floor(Math.log2(FIRST_CHUNK_CELLS / neurons)))
}

/** Lets the event loop run (clicks, paints) without setTimeout's 4 ms clamp. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => resolve()
    channel.port2.postMessage(undefined)
  })
}

export interface SimulateOptions {
  readonly signal?: AbortSignal
  /** Fraction of the steps done, after each chunk. */
  readonly onProgress?: (done: number) => void
}

/** Runs a setup on its backend, through the public Backend interface only. */
export async function simulateSetup(setup: Setup, options: SimulateOptions = {}): Promise<Simulation> {
  const { signal, onProgress } = options
  const check = () => {
    if (signal?.aborted) throw new SimulationCancelled()
  }
  await loadBackend(setup.backend)
  check()
  const backend = await getBackend(setup.backend as never)
  check()
  const warnings: string[] = []
  const input = makeInput(setup)
  const { neurons: N, steps: T } = setup
  const t0 = performance.now()
  const layer = await backend.createLayer(layerSpec(setup, (w) => warnings.push(w.message)))
  const t1 = performance.now()
  try {
    const voltages = new Float32Array(T * N)
    const currents = new Float32Array(T * N)
    let chunk = firstChunk(N)
    let state: LIState | undefined
    for (let start = 0; start < T; ) {
      check()
      const end = Math.min(T, start + chunk)
      const c0 = performance.now()
      const xs = { data: input.data.subarray(start * N, end * N), shape: [end - start, N] }
      const result = await layer.run(xs, state, { recordStates: true })
      if (!result.states) throw new Error(`backend ${backend.name} returned no recorded states`)
      voltages.set(result.voltages.data, start * N)
      currents.set(result.states.i.data, start * N)
      state = result.state
      onProgress?.(end / T)
      if (performance.now() - c0 < CHUNK_MS && 2 * chunk * N <= CHUNK_CELLS) chunk *= 2
      start = end
      if (end < T) await yieldToPage()
    }
    return {
      setup,
      backend: backend.name,
      input,
      voltages,
      currents,
      warnings,
      createMs: t1 - t0,
      runMs: performance.now() - t1,
    }
  } finally {
    await layer.dispose()
  }
}
