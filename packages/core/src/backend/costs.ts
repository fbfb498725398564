import { FormatError, ParameterError } from '../errors/errors.js'
import type { BackendCost, CostFigures } from './types.js'

/**
 * Cost figures in the short form backend declarations use:
 * `costs([callSeconds, neuronStepsPerSecond], [callSeconds, neuronStepsPerSecond], flopsPerSecond, eventFlopsPerSecond?)`,
 * for 'sequence' (one run() over T steps) and 'step' (one step() call per time step).
 */
export function costs(
  sequence: readonly [callSeconds: number, neuronStepsPerSecond: number],
  step: readonly [callSeconds: number, neuronStepsPerSecond: number],
  flopsPerSecond: number,
  eventFlopsPerSecond?: number,
): BackendCost {
  const matmul = { flopsPerSecond, ...(eventFlopsPerSecond !== undefined ? { eventFlopsPerSecond } : {}) }
  return {
    sequence: { callSeconds: sequence[0], neuronStepsPerSecond: sequence[1], ...matmul },
    step: { callSeconds: step[0], neuronStepsPerSecond: step[1], ...matmul },
  }
}

/**
 * Checks one set of figures: callSeconds ≥ 0, neuronStepsPerSecond > 0, (event)flopsPerSecond > 0 if given,
 * all finite. `where` names it in the error; `kind` is the error a bad document (FormatError) or a
 * bad declaration (ParameterError) gets.
 */
export function checkCostFigures(
  value: unknown,
  where: string,
  kind: 'declaration' | 'document' = 'declaration',
): CostFigures {
  const fail = (message: string) =>
    kind === 'document' ? new FormatError(`${where}: ${message}`) : new ParameterError(`${where}: ${message}`)
  const f = value as Record<string, unknown> | null
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
  if (typeof f !== 'object' || f === null) throw fail('needs { callSeconds, neuronStepsPerSecond }')
  if (!finite(f.callSeconds) || f.callSeconds < 0) throw fail('callSeconds must be a finite number ≥ 0')
  if (!finite(f.neuronStepsPerSecond) || f.neuronStepsPerSecond <= 0)
    throw fail('neuronStepsPerSecond must be a finite number > 0')
  for (const key of ['flopsPerSecond', 'eventFlopsPerSecond'] as const)
    if (f[key] !== undefined && (!finite(f[key]) || (f[key] as number) <= 0))
      throw fail(`${key} must be a finite number > 0`)
  return {
    callSeconds: f.callSeconds,
    neuronStepsPerSecond: f.neuronStepsPerSecond,
    ...(f.flopsPerSecond !== undefined ? { flopsPerSecond: f.flopsPerSecond as number } : {}),
    ...(f.eventFlopsPerSecond !== undefined ? { eventFlopsPerSecond: f.eventFlopsPerSecond as number } : {}),
  }
}
