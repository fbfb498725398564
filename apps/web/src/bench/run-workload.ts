import { makeWorkload, measure, neuronSteps, type Workload } from '@leaky/bench/browser'
import {
  type Backend,
  type Layer,
  type LayerSpec,
  relativeError,
  resolveSpec,
  type StateHandle,
  simulate,
  type Tensor,
} from '@leaky/core'
import type { Scale } from './scale.js'

export interface BenchRow {
  readonly workload: string
  readonly description: string
  readonly backend: string
  /** ok: checked and timed; mismatch: wrong numbers, so not timed; skipped: backend unavailable. */
  readonly status: 'ok' | 'mismatch' | 'skipped' | 'failed'
  readonly detail?: string
  /** Relative error against core's simulate, and the backend's own tolerance. */
  readonly error?: number
  readonly tolerance?: number
  /** Median seconds of one run (sequence) or one step call (step). */
  readonly seconds?: number
  readonly neuronStepsPerSecond?: number
}

export interface PreparedWorkload {
  readonly workload: Workload
  readonly spec: LayerSpec
  readonly input: Tensor
  /** Core's simulate on the same input: what every backend must reproduce before it is timed. */
  readonly reference: Float32Array
}

/** Inputs and the reference answer, made once per workload and shared by every backend. */
export function prepareWorkload(workload: Workload): PreparedWorkload {
  const { spec, input } = makeWorkload(workload)
  const sequence = workload.mode === 'step' ? { data: input.data, shape: [1, ...input.shape] } : input
  return { workload, spec, input, reference: simulate(resolveSpec(spec), sequence).voltages.data }
}

/** Checks one backend against the reference, then (only if it matches) times it. */
export async function benchWorkload(
  prepared: PreparedWorkload,
  backend: Backend,
  scale: Scale,
  signal?: AbortSignal,
): Promise<BenchRow> {
  const { workload: w, spec, input, reference } = prepared
  const row = { workload: w.name, description: w.description, backend: backend.name }
  let made: Layer | undefined
  try {
    const layer = await backend.createLayer(spec)
    made = layer
    const step = w.mode === 'step'
    const ours = step ? (await layer.step(input)).v.data : (await layer.run(input)).voltages.data
    const tolerance = step ? layer.tolerance.step : layer.tolerance.run
    const error = relativeError(ours, reference)
    if (!(error <= tolerance)) {
      return {
        ...row,
        status: 'mismatch',
        error,
        tolerance,
        detail: `error ${error.toExponential(2)} > ${tolerance}`,
      }
    }
    let timing: Awaited<ReturnType<typeof measure>>
    // Cancel is heard between timed calls: one call is the longest wait.
    const checked =
      <T>(operation: () => Promise<T>) =>
      () => {
        signal?.throwIfAborted()
        return operation()
      }
    if (step) {
      // State stays with the layer between calls, as a real step loop would keep it.
      let state: StateHandle | undefined
      timing = await measure(
        checked(async () => {
          state = (await layer.step(input, state)).state
        }),
        scale.step,
      )
    } else {
      timing = await measure(
        checked(() => layer.run(input)),
        scale.sequence,
      )
    }
    const work = step ? w.batch * w.neurons : neuronSteps(w)
    return {
      ...row,
      status: 'ok',
      error,
      tolerance,
      seconds: timing.median,
      neuronStepsPerSecond: work / timing.median,
    }
  } catch (error) {
    if (signal?.aborted) throw error
    return { ...row, status: 'failed', detail: error instanceof Error ? error.message : String(error) }
  } finally {
    await made?.dispose()
  }
}
