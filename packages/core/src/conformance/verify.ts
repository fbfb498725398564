import type { Backend, Layer, StateHandle } from '../backend/types.js'
import type { LIState } from '../layer/spec.js'
import type { Tensor } from '../tensor/tensor.js'
import { caseSpec, type GoldenCase, type GoldenFile, goldenError } from './golden.js'

export type VerifyMode = 'run' | 'step'

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

/** Runs a case as T `step` calls, each handing the resident state to the next. */
export async function stepCase(layer: Layer, c: GoldenCase): Promise<{ outputs: Tensor; final: LIState }> {
  const [steps = 0, ...rest] = c.input.shape
  const stepSize = c.input.data.length / Math.max(steps, 1)
  const outputs = new Float32Array(c.outputs.data.length)
  const outSize = outputs.length / Math.max(steps, 1)
  let state: LIState | StateHandle = c.initial
  for (let t = 0; t < steps; t++) {
    const x = { data: c.input.data.subarray(t * stepSize, (t + 1) * stepSize), shape: rest }
    const result = await layer.step(x, state)
    outputs.set(result.v.data, t * outSize)
    if (state !== c.initial) (state as StateHandle).dispose()
    state = result.state
  }
  const final = state === c.initial ? c.initial : await (state as StateHandle).read()
  return { outputs: { data: outputs, shape: c.outputs.shape }, final }
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
