/**
 * Accuracy decides the engine (issue 12): a backend's run() against core's js over decay factors
 * a = dt·tauMemInv, b = dt·tauSynInv across [−1, 3]² (stable, oscillating, divergent, negative tau)
 * and long runs of slow time constants. Within the layer's stated tolerance where js is finite, and
 * NaN/±Inf exactly where js has them. One sweep for every backend package's tests (imported by path).
 */
import {
  type Backend,
  type LayerSpec,
  type LIState,
  relativeError,
  resolveSpec,
  simulate,
  type Tensor,
} from '@leaky/core'

export interface SweepCase {
  readonly name: string
  readonly spec: LayerSpec
  readonly steps: number
  /** Input scale (1 by default; huge ones probe overflow). */
  readonly scale?: number
}

const NEURONS = 4

/** The coarse grid over [−1, 3]² at `steps`, plus slow time constants and inputs near overflow. */
export function sweepCases(options: {
  grid: readonly number[]
  steps: number
  slowSteps: number
}): SweepCase[] {
  const dt = 1e-3
  const cases: SweepCase[] = []
  for (const a of options.grid) {
    for (const b of options.grid) {
      cases.push({
        name: `a=${a} b=${b}`,
        spec: { neurons: NEURONS, dt, params: { tauMemInv: a / dt, tauSynInv: b / dt, vLeak: 0.5 } },
        steps: options.steps,
      })
    }
  }
  // tau = 1 s at dt = 1e-4: the parallel graphs drift past 1e-4 over long runs.
  cases.push({
    name: `tau=1s dt=1e-4 T=${options.slowSteps}`,
    spec: { neurons: NEURONS, dt: 1e-4, params: { tauMemInv: 1, tauSynInv: 1 } },
    steps: options.slowSteps,
  })
  // Just inside the bound (memory ~200 steps): the parallel graph runs and must stay within 1e-4.
  cases.push({
    name: 'tau = 0.2 s dt = 1e-3 (at the bound)',
    spec: { neurons: NEURONS, dt, params: { tauMemInv: 5, tauSynInv: 5 } },
    steps: Math.min(options.slowSteps, 10_000),
  })
  // Inputs whose sums overflow: Norse's order gives NaN (Inf − Inf) where a parallel graph gives Inf.
  for (const scale of [1e36, 3e38]) {
    cases.push({ name: `x·${scale}`, spec: { neurons: NEURONS }, steps: options.steps, scale })
  }
  return cases
}

function input(steps: number, scale: number): Tensor {
  const data = Float32Array.from({ length: steps * NEURONS }, (_, k) => scale * Math.sin(k * 0.37 + 0.1))
  return { data, shape: [steps, NEURONS] }
}

/** Where two arrays disagree on NaN or ±Inf, or differ beyond tolerance (relative, as core's kit). */
function mismatch(what: string, ours: Float32Array, js: Float32Array, tolerance: number): string | undefined {
  const finiteOurs: number[] = []
  const finiteJs: number[] = []
  for (let k = 0; k < js.length; k++) {
    const [x, y] = [ours[k] as number, js[k] as number]
    if (Number.isFinite(y)) {
      if (!Number.isFinite(x)) return `${what}[${k}]: ${x} where js has ${y}`
      finiteOurs.push(x)
      finiteJs.push(y)
    } else if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) {
      return `${what}[${k}]: ${x} where js has ${y}`
    }
  }
  const error = relativeError(Float32Array.from(finiteOurs), Float32Array.from(finiteJs))
  return error <= tolerance ? undefined : `${what}: error ${error.toExponential(2)} > ${tolerance}`
}

/** Runs every case on the backend and returns what failed (empty: all within tolerance). */
export async function sweep(backend: Backend, cases: readonly SweepCase[]): Promise<string[]> {
  const failures: string[] = []
  for (const c of cases) {
    const layer = await backend.createLayer(c.spec)
    try {
      const xs = input(c.steps, c.scale ?? 1)
      const ours = await layer.run(xs)
      const js = simulate(resolveSpec(c.spec), xs)
      const tolerance = layer.tolerance.run
      const check = (what: string, o: Tensor, j: Tensor) => mismatch(what, o.data, j.data, tolerance)
      const found =
        check('voltages', ours.voltages, js.voltages) ??
        check('final v', ours.state.v, (js.state as LIState).v) ??
        check('final i', ours.state.i, (js.state as LIState).i)
      if (found) failures.push(`${backend.name} ${c.name} T=${c.steps}: ${found}`)
    } finally {
      await layer.dispose()
    }
  }
  return failures
}
