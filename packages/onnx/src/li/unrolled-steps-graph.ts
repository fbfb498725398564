/**
 * C steps of Norse's step unrolled in one graph, for a CPU run issued as one session call per chunk
 * of C time steps with the state carried between calls: a call's fixed cost is paid once per chunk,
 * not once per step. Each step is the step graph's own nodes (addNorseStep), so it rounds exactly as
 * Norse does (bit for bit on CPU). Each step's x is an input of its own and each step's v an output
 * of its own, named as the node that computes it: a caller hands onnxruntime rows of its input and
 * output arrays, and no Slice, Concat or Identity copies anything.
 */
import { ParameterError, type ResolvedLayerSpec } from '@leaky/core'
import { GraphBuilder } from '../graph/graph-builder.js'
import { addCoefficients } from './coefficients.js'
import { STEPS_IO } from './io-names.js'
import { addTransposedWeights, checkLayer, inputWidth, type LIGraphOptions } from './layer-options.js'
import { addNorseStep } from './norse-step.js'

/** Options of the unrolled-steps graph. */
export interface UnrolledStepsGraphOptions extends LIGraphOptions {
  /** Steps per call, C ≥ 1. */
  readonly steps: number
  /** Output the current after every step (run's recordStates), not only after the last. */
  readonly recordCurrents?: boolean
}

/**
 * x_t: [...batch, in], v and i: [...batch, N] → v_t: [...batch, N] for t < C, and i_{C−1} (every
 * i_t with recordCurrents). See STEPS_IO.
 */
export function buildUnrolledStepsGraph(spec: ResolvedLayerSpec, o: UnrolledStepsGraphOptions): GraphBuilder {
  checkLayer(spec, o)
  if (!Number.isInteger(o.steps) || o.steps < 1)
    throw new ParameterError(`unrolled steps: C must be an integer ≥ 1, got ${o.steps}`)
  const g = new GraphBuilder(`li_steps_${o.steps}`)
  const batch = o.batchDims ?? []
  const state = [...batch, spec.neurons]
  const xs = Array.from({ length: o.steps }, (_, t) => g.input(STEPS_IO.x(t), [...batch, inputWidth(spec)]))
  let v = g.input(STEPS_IO.v, state)
  let i = g.input(STEPS_IO.i, state)
  const coefficients = addCoefficients(g, spec, o.parameters ?? 'baked')
  const wt = addTransposedWeights(g, spec, o)
  for (let t = 0; t < o.steps; t++) {
    const x = wt === undefined ? (xs[t] as string) : g.op('MatMul', [xs[t] as string, wt], {}, 'x_weighted')
    const output = o.recordCurrents || t === o.steps - 1
    const next = addNorseStep(g, coefficients, v, i, x, {
      vNew: STEPS_IO.vAfter(t),
      iNew: output ? STEPS_IO.iAfter(t) : 'i_new',
    })
    g.output(STEPS_IO.vAfter(t), next.vNew, state)
    if (output) g.output(STEPS_IO.iAfter(t), next.iNew, state)
    v = next.vNew
    i = next.iNew
  }
  return g
}
