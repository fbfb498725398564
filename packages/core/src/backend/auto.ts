import { FormatError } from '../errors/errors.js'
import { type AutoRanker, setAutoRanker, type Workload } from './registry.js'
import { type BackendName, isBackendName } from './types.js'

/**
 * `auto` selection: a cost model per backend,
 *
 *     seconds(workload) ≈ calls · callSeconds + neuronSteps / neuronStepsPerSecond
 *                         (+ 2·T·batch·inputs·N / flopsPerSecond for a weighted layer's x·Wᵀ)
 *
 * with one set of figures for 'sequence' (one run() over T steps: 1 call) and one for 'step'
 * (T step() calls). The figures come from `leaky bench` (a Calibration measured on this machine)
 * or, until a bench has run, from the built-in table below.
 */
export interface CostFigures {
  /** Fixed cost of one call (run() or step()), in seconds: dispatch, session run, copies in and out. */
  readonly callSeconds: number
  /** LI updates per second once a call is running. */
  readonly neuronStepsPerSecond: number
  /** x·Wᵀ throughput of a weighted layer; the built-in figure when a calibration leaves it out. */
  readonly flopsPerSecond?: number
}

export interface BackendCost {
  readonly sequence: CostFigures
  readonly step: CostFigures
}

/** What `leaky bench` measured, as written to ~/.cache/leaky/calibration.json. */
export interface Calibration {
  readonly version: 1
  readonly host: string
  /** ISO date of the bench run. */
  readonly createdAt: string
  readonly backends: { readonly [name: string]: BackendCost }
}

const costs = (
  sequence: [callSeconds: number, neuronStepsPerSecond: number],
  step: [callSeconds: number, neuronStepsPerSecond: number],
  flopsPerSecond: number,
): BackendCost => ({
  sequence: { callSeconds: sequence[0], neuronStepsPerSecond: sequence[1], flopsPerSecond },
  step: { callSeconds: step[0], neuronStepsPerSecond: step[1], flopsPerSecond },
})

/**
 * Built-in defaults: conservative guesses for a 2-core machine of the kind this project is built on,
 * and an unknown GPU. They only decide `auto` until `leaky bench` replaces them with measurements
 * (useCalibration). js ≈ 3e8 neuron-steps/s in a run and ~2e-6 s a call; node-cpu the same
 * throughput (its small steps run the same JS loop) but ~2e-5 s for a run (an onnxruntime session
 * call); GPUs ~1e-4 s a call (upload, dispatch, read back); web-wasm ≈ 1e8 and ~3e-5 s.
 * flopsPerSecond (x·Wᵀ) is a guess too: pure JS measures ~4e8–1e9 here, onnxruntime's MLAS far more.
 * On this machine class a js step() of 1000 neurons measures ~1e-5 s, above what the table
 * predicts: the calibration is what makes small-step choices right.
 */
export const BUILT_IN_COSTS: Readonly<Record<BackendName, BackendCost>> = {
  js: costs([2e-6, 3e8], [2e-6, 3e8], 4e8),
  'node-cpu': costs([2e-5, 3e8], [2e-6, 3e8], 2e10),
  'node-webgpu': costs([1e-4, 1e9], [1e-4, 1e9], 1e11),
  'node-cuda': costs([1e-4, 1e10], [1e-4, 1e10], 1e12),
  'web-wasm': costs([3e-5, 1e8], [3e-5, 1e8], 5e9),
  'web-webgpu': costs([1e-4, 1e9], [1e-4, 1e9], 1e11),
}

export interface Estimate {
  readonly backend: BackendName
  readonly seconds: number
  readonly source: 'calibration' | 'built-in'
  /** The terms of the sum, for explanations. */
  readonly calls: number
  readonly figures: CostFigures
  readonly neuronSteps: number
  readonly flops: number
}

function costOf(
  name: BackendName,
  calibration?: Calibration,
): { cost: BackendCost; source: Estimate['source'] } {
  const measured = calibration?.backends[name]
  return measured
    ? { cost: measured, source: 'calibration' }
    : { cost: BUILT_IN_COSTS[name], source: 'built-in' }
}

/** The seconds `name` is expected to take on `workload` (see the model above). */
export function estimate(name: BackendName, workload: Workload, calibration?: Calibration): Estimate {
  const { cost, source } = costOf(name, calibration)
  const mode = workload.mode ?? 'sequence'
  const figures = cost[mode]
  const batch = workload.batch ?? 1
  const calls = mode === 'step' ? workload.steps : 1
  const neuronSteps = workload.steps * batch * workload.neurons
  const weighted = workload.weighted ?? workload.inputs !== undefined
  const flops = weighted ? 2 * neuronSteps * (workload.inputs ?? workload.neurons) : 0
  const flopsPerSecond = figures.flopsPerSecond ?? BUILT_IN_COSTS[name][mode].flopsPerSecond ?? 1e9
  const seconds =
    calls * figures.callSeconds + neuronSteps / figures.neuronStepsPerSecond + flops / flopsPerSecond
  return {
    backend: name,
    seconds,
    source,
    calls,
    figures: { ...figures, flopsPerSecond },
    neuronSteps,
    flops,
  }
}

/** Candidates sorted by expected seconds, fastest first; ties keep the candidates' (priority) order. */
export function rankBackends(
  candidates: readonly BackendName[],
  workload: Workload,
  calibration?: Calibration,
): Estimate[] {
  return candidates
    .map((name, order) => ({ e: estimate(name, workload, calibration), order }))
    .sort((a, b) => a.e.seconds - b.e.seconds || a.order - b.order)
    .map(({ e }) => e)
}

const sci = (x: number) => x.toExponential(1)

/** One line describing a workload as the model sees it. */
export function describeWorkload(w: Workload): string {
  const mode = w.mode ?? 'sequence'
  const batch = w.batch ?? 1
  return (
    `N=${w.neurons}, T=${w.steps}${batch > 1 ? `, batch ${batch}` : ''}` +
    `${(w.weighted ?? w.inputs !== undefined) ? `, weighted ${w.inputs ?? w.neurons}→${w.neurons}` : ''}` +
    `, mode ${mode} (${mode === 'step' ? `${w.steps} step() calls` : 'one run() call'})`
  )
}

/**
 * Human-readable lines: the ranking with each backend's expected seconds and where its figures come
 * from, and which backend auto picks (the fastest available) and why.
 */
export function explainSelection(
  ranking: readonly Estimate[],
  workload: Workload,
  unavailable: ReadonlyMap<string, string> = new Map(),
): string[] {
  const lines = [`workload: ${describeWorkload(workload)}`]
  for (const e of ranking) {
    const f = e.figures
    const terms = [
      `${e.calls} call${e.calls === 1 ? '' : 's'} × ${sci(f.callSeconds)} s`,
      `${sci(e.neuronSteps)} neuron-steps / ${sci(f.neuronStepsPerSecond)}/s`,
      ...(e.flops > 0 ? [`${sci(e.flops)} flops / ${sci(f.flopsPerSecond ?? 0)}/s`] : []),
    ]
    const reason = unavailable.get(e.backend)
    lines.push(
      `  ${e.backend.padEnd(11)} ${sci(e.seconds)} s  (${e.source}: ${terms.join(' + ')})` +
        (reason !== undefined ? `  — not available: ${reason}` : ''),
    )
  }
  const chosen = ranking.find((e) => !unavailable.has(e.backend))
  if (!chosen) {
    lines.push('auto picks nothing: no ranked backend is available')
    return lines
  }
  const faster = ranking.slice(0, ranking.indexOf(chosen))
  const runnerUp = ranking.slice(ranking.indexOf(chosen) + 1).find((e) => !unavailable.has(e.backend))
  const f = chosen.figures
  const perCall = chosen.calls * f.callSeconds
  const bound = perCall >= chosen.seconds / 2 ? 'call overhead' : 'throughput'
  lines.push(
    `auto picks ${chosen.backend}: ${sci(chosen.seconds)} s expected, the fastest available ` +
      `(${bound} dominates: ${sci(perCall)} s in calls of ${sci(chosen.seconds)} s)` +
      (runnerUp ? `; next is ${runnerUp.backend} at ${sci(runnerUp.seconds)} s` : '') +
      (faster.length ? `; faster but unavailable: ${faster.map((e) => e.backend).join(', ')}` : ''),
  )
  return lines
}

let active: Calibration | undefined

/** The calibration `auto` uses now (undefined: the built-in table). */
export function activeCalibration(): Calibration | undefined {
  return active
}

/** A ranker for setAutoRanker: the cost model with these figures. Without a workload, priority order. */
export function costModelRanker(calibration?: Calibration): AutoRanker {
  return (candidates, workload) =>
    workload ? rankBackends(candidates, workload, calibration).map((e) => e.backend) : candidates
}

/** Makes `selectBackend({ prefer: 'auto' })` rank by this calibration (undefined: the built-in table). */
export function useCalibration(calibration: Calibration | undefined): void {
  active = calibration
  setAutoRanker(costModelRanker(calibration))
}

function checkFigures(value: unknown, where: string): CostFigures {
  const f = value as Record<string, unknown> | null
  const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0
  if (typeof f !== 'object' || f === null || !positive(f.callSeconds) || !positive(f.neuronStepsPerSecond)) {
    throw new FormatError(`calibration: ${where} needs callSeconds and neuronStepsPerSecond (numbers ≥ 0)`)
  }
  if (f.flopsPerSecond !== undefined && !positive(f.flopsPerSecond))
    throw new FormatError(`calibration: ${where}.flopsPerSecond must be a number ≥ 0`)
  if ((f.neuronStepsPerSecond as number) === 0)
    throw new FormatError(`calibration: ${where}.neuronStepsPerSecond must be > 0`)
  return f as unknown as CostFigures
}

/** Checks a parsed calibration document; unknown backend names are dropped (a newer leaky wrote them). */
export function parseCalibration(doc: unknown): Calibration {
  const c = doc as Record<string, unknown> | null
  if (typeof c !== 'object' || c === null) throw new FormatError('calibration: expected an object')
  if (c.version !== 1) throw new FormatError(`calibration: version must be 1, got ${String(c.version)}`)
  if (typeof c.backends !== 'object' || c.backends === null)
    throw new FormatError('calibration: "backends" must be an object')
  const backends: Record<string, BackendCost> = {}
  for (const [name, value] of Object.entries(c.backends)) {
    if (!isBackendName(name)) continue
    const v = value as Record<string, unknown>
    backends[name] = {
      sequence: checkFigures(v?.sequence, `${name}.sequence`),
      step: checkFigures(v?.step, `${name}.step`),
    }
  }
  return {
    version: 1,
    host: typeof c.host === 'string' ? c.host : '',
    createdAt: typeof c.createdAt === 'string' ? c.createdAt : '',
    backends,
  }
}
