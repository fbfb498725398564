import type { Backend, Layer, StateHandle } from '../backend/types.js'
import type { LIState } from '../layer/spec.js'
import type { Tensor } from '../tensor/tensor.js'
import { caseSpec, type GoldenCase, type GoldenFile, goldenError } from './golden.js'

/** How a golden case is replayed: one `run` or repeated `step`. */
export type VerifyMode = 'run' | 'step'

/** One golden case on one backend and mode: its error against Norse and whether it passes. */
export interface VerifyRow {
  readonly case: string
  readonly backend: string
  readonly mode: VerifyMode
  readonly error: number
  readonly tolerance: number
  readonly pass: boolean
}

/** Runs a case as one `run` call, from the case's initial state. */
export async function runCase(layer: Layer, c: GoldenCase): Promise<{ outputs: Tensor; final: LIState }> {
  const { voltages, state } = await layer.run(c.input, c.initial)
  return { outputs: voltages, final: state }
}

/**
 * Runs a time-first sequence [T, ...batch, inputs] as T `step` calls, each handing the resident
 * state to the next (and disposing the one before); returns every v and the final state.
 */
export async function stepSequence(
  layer: Layer,
  xs: Tensor,
  initial: LIState,
): Promise<{ outputs: Tensor; final: LIState }> {
  const [steps = 0, ...rest] = xs.shape
  const stateShape = [...rest.slice(0, -1), layer.spec.neurons]
  const size = stateShape.reduce((a, b) => a * b, 1)
  const inSize = steps === 0 ? 0 : xs.data.length / steps
  const outputs = new Float32Array(steps * size)
  let state: LIState | StateHandle = initial
  for (let t = 0; t < steps; t++) {
    const x = { data: xs.data.subarray(t * inSize, (t + 1) * inSize), shape: rest }
    const result = await layer.step(x, state)
    outputs.set(result.v.data, t * size)
    if (state !== initial) (state as StateHandle).dispose()
    state = result.state
  }
  const final = state === initial ? initial : await (state as StateHandle).read()
  return { outputs: { data: outputs, shape: [steps, ...stateShape] }, final }
}

/** Runs a case as T `step` calls, each handing the resident state to the next. */
export function stepCase(layer: Layer, c: GoldenCase): Promise<{ outputs: Tensor; final: LIState }> {
  return stepSequence(layer, c.input, c.initial)
}

/** Every case of a golden file on one backend, through `run` and through repeated `step`. */
export async function verifyBackend(
  backend: Backend,
  golden: GoldenFile,
  modes: readonly VerifyMode[] = ['run', 'step'],
): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = []
  for (const c of golden.cases) {
    const layer = await backend.createLayer(caseSpec(c))
    try {
      for (const mode of modes) {
        const { outputs, final } = mode === 'run' ? await runCase(layer, c) : await stepCase(layer, c)
        const error = goldenError(c, outputs, final)
        const tolerance = layer.tolerance[mode]
        rows.push({ case: c.name, backend: backend.name, mode, error, tolerance, pass: error <= tolerance })
      }
    } finally {
      await layer.dispose()
    }
  }
  return rows
}
