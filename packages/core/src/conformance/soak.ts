import type { Backend, StateHandle } from '../backend/types.js'

/** Memory in bytes at one moment: whatever this runtime can tell (Node: process.memoryUsage()). */
export interface MemorySample {
  readonly heapUsed: number
  readonly arrayBuffers: number
  readonly rss: number
  /** Backend-specific counters (live sessions, GPU buffers), from `SoakOptions.counters`. */
  readonly counters: Readonly<Record<string, number>>
}

/** Options of the soak test: steps and layers to make, and the memory allowed to grow. */
export interface SoakOptions {
  /** step() calls on one layer (default 100 000), each handing its state to the next. */
  readonly steps?: number
  /** Layers created, used once and disposed (default 1 000). */
  readonly layers?: number
  readonly neurons?: number
  /** Extra counters to sample (e.g. live onnxruntime sessions, GPU buffers). */
  readonly counters?: () => Record<string, number>
}

/** What a soak test measured. */
export interface SoakReport {
  readonly backend: string
  readonly steps: number
  readonly layers: number
  /** After a tenth of the steps (warm-up), and after all of them. */
  readonly stepping: { readonly before: MemorySample; readonly after: MemorySample }
  /** After a tenth of the layers (warm-up), and after all of them. */
  readonly layerChurn: { readonly before: MemorySample; readonly after: MemorySample }
}

type MaybeNode = { process?: { memoryUsage?: () => { heapUsed: number; arrayBuffers: number; rss: number } } }

async function sample(counters?: () => Record<string, number>): Promise<MemorySample> {
  // Collect what is garbage, when the runtime lets us (node --expose-gc), so the figures are live memory.
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 0))
    gc()
  }
  const usage = (globalThis as MaybeNode).process?.memoryUsage?.() ?? { heapUsed: 0, arrayBuffers: 0, rss: 0 }
  return {
    heapUsed: usage.heapUsed,
    arrayBuffers: usage.arrayBuffers,
    rss: usage.rss,
    counters: counters?.() ?? {},
  }
}

/**
 * The soak: many steps on one layer, then many layers made and disposed, sampling memory after a
 * warm-up and at the end. A backend that leaks per step or per layer shows it as growth between
 * the two samples; the tests assert a bound on that growth.
 */
export async function soak(backend: Backend, options: SoakOptions = {}): Promise<SoakReport> {
  const steps = options.steps ?? 100_000
  const layers = options.layers ?? 1_000
  const neurons = options.neurons ?? 64
  const x = { data: new Float32Array(neurons).fill(0.25), shape: [neurons] }

  const layer = await backend.createLayer({ neurons })
  let state: StateHandle | undefined
  let stepBefore: MemorySample | undefined
  for (let t = 0; t < steps; t++) {
    if (t === Math.floor(steps / 10)) stepBefore = await sample(options.counters)
    const next = await layer.step(x, state)
    state?.dispose()
    state = next.state
  }
  const stepAfter = await sample(options.counters)
  await layer.dispose()

  const xs = { data: new Float32Array(4 * neurons).fill(0.25), shape: [4, neurons] }
  let churnBefore: MemorySample | undefined
  for (let k = 0; k < layers; k++) {
    if (k === Math.floor(layers / 10)) churnBefore = await sample(options.counters)
    const l = await backend.createLayer({ neurons })
    await l.run(xs)
    await l.step(x)
    await l.dispose()
  }
  const churnAfter = await sample(options.counters)
  return {
    backend: backend.name,
    steps,
    layers,
    stepping: { before: stepBefore ?? stepAfter, after: stepAfter },
    layerChurn: { before: churnBefore ?? churnAfter, after: churnAfter },
  }
}

/** Growth of live memory (heap + array buffers) between two samples, in bytes. */
export function growth(s: { before: MemorySample; after: MemorySample }): number {
  return s.after.heapUsed + s.after.arrayBuffers - (s.before.heapUsed + s.before.arrayBuffers)
}
