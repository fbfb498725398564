import { FormatError, UnsupportedError } from '../errors/errors.js'
import { checkCostFigures } from './costs.js'
import { type AutoRanker, calibrationSlot, declarationOf, type Workload } from './registry.js'
import type { BackendCost, BackendName, CostFigures } from './types.js'

/**
 * `auto` selection: a cost model per backend,
 *
 *     seconds(workload) ≈ calls · callSeconds + neuronSteps / neuronStepsPerSecond
 *                         (+ 2·T·batch·inputs·N / flopsPerSecond for a weighted layer's x·Wᵀ, or
 *                            that times inputDensity / eventFlopsPerSecond where faster)
 *
 * with one set of figures for 'sequence' (one run() over T steps: 1 call) and one for 'step'
 * (T step() calls). The figures come from `leaky bench` (a Calibration measured on this machine)
 * or, until a bench has run, from the figures each backend's declaration carries (`costs`).
 */
/** What `leaky bench` measured, as written to ~/.cache/leaky/calibration.json. */
export interface Calibration {
  readonly version: 1
  readonly host: string
  /** ISO date of the bench run. */
  readonly createdAt: string
  readonly backends: { readonly [name: string]: BackendCost }
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

/** The figures a registered backend declares (an UnsupportedError naming it if none is registered). */
export function builtInCosts(name: BackendName): BackendCost {
  const declaration = declarationOf(name)
  if (!declaration)
    throw new UnsupportedError(`backend "${name}" is not registered, so it has no cost figures`)
  return declaration.costs
}

function costOf(
  name: BackendName,
  calibration?: Calibration,
): { cost: BackendCost; source: Estimate['source'] } {
  const measured = calibration?.backends[name]
  return measured
    ? { cost: measured, source: 'calibration' }
    : { cost: builtInCosts(name), source: 'built-in' }
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
  const flopsPerSecond = figures.flopsPerSecond ?? (declarationOf(name)?.costs[mode].flopsPerSecond || 1e9)
  // An event-driven x·Wᵀ does the active inputs' share of the work on sparse input (a backend takes
  // it where faster); dense input, or input of undeclared density, is the dense product's.
  const events = figures.eventFlopsPerSecond
  const density = workload.inputDensity ?? 1
  const matmulSeconds = Math.min(
    flops / flopsPerSecond,
    events && density < 1 ? (flops * density) / events : Number.POSITIVE_INFINITY,
  )
  const seconds = calls * figures.callSeconds + neuronSteps / figures.neuronStepsPerSecond + matmulSeconds
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
    `${w.inputDensity !== undefined ? `, input density ${w.inputDensity}` : ''}` +
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
      ...(e.flops > 0
        ? [
            `${sci(e.flops)} flops / ${sci(f.flopsPerSecond ?? 0)}/s${f.eventFlopsPerSecond ? ` (events: × density / ${sci(f.eventFlopsPerSecond)}/s, if faster)` : ''}`,
          ]
        : []),
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

/** The calibration `auto` uses now (undefined: the declared figures). */
export function activeCalibration(): Calibration | undefined {
  return calibrationSlot().calibration
}

/** A ranker for setAutoRanker: the cost model with these figures. Without a workload, priority order. */
export function costModelRanker(calibration?: Calibration): AutoRanker {
  return (candidates, workload) =>
    workload ? rankBackends(candidates, workload, calibration).map((e) => e.backend) : candidates
}

/** Makes `auto` and the device aliases rank by this calibration (undefined: the declared figures). */
export function useCalibration(calibration: Calibration | undefined): void {
  calibrationSlot().calibration = calibration
}

/** Checks a parsed calibration document (any backend names: a figure for one not registered is kept, unused). */
export function parseCalibration(doc: unknown): Calibration {
  const c = doc as Record<string, unknown> | null
  if (typeof c !== 'object' || c === null) throw new FormatError('calibration: expected an object')
  if (c.version !== 1) throw new FormatError(`calibration: version must be 1, got ${String(c.version)}`)
  if (typeof c.backends !== 'object' || c.backends === null)
    throw new FormatError('calibration: "backends" must be an object')
  const backends: Record<string, BackendCost> = {}
  for (const [name, value] of Object.entries(c.backends)) {
    const v = value as Record<string, unknown>
    backends[name] = {
      sequence: checkCostFigures(v?.sequence, `calibration: ${name}.sequence`, 'document'),
      step: checkCostFigures(v?.step, `calibration: ${name}.step`, 'document'),
    }
  }
  return {
    version: 1,
    host: typeof c.host === 'string' ? c.host : '',
    createdAt: typeof c.createdAt === 'string' ? c.createdAt : '',
    backends,
  }
}
