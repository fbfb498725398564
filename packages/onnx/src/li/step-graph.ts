/**
 * The step graph: one LI step, (x, v, i) → (v_new, i_new), for layer.step() with the state fed
 * back by the caller. Reproduces Norse bit for bit on CPU.
 */
import type { ResolvedLayerSpec } from '@leaky/core'
import { GraphBuilder } from '../graph/graph-builder.js'
import { addCoefficients } from './coefficients.js'
import { STEP_IO } from './io-names.js'
import { addInputProjection, checkLayer, inputWidth, type LIGraphOptions } from './layer-options.js'
import { addNorseStep } from './norse-step.js'

/** x: [...batch, in], v and i: [...batch, N] → v_new, i_new: [...batch, N]. */
export function buildStepGraph(spec: ResolvedLayerSpec, o: LIGraphOptions = {}): GraphBuilder {
  checkLayer(spec, o)
  const g = new GraphBuilder('li_step')
  const batch = o.batchDims ?? []
  const state = [...batch, spec.neurons]
  const x = g.input(STEP_IO.x, [...batch, inputWidth(spec)])
  const v = g.input(STEP_IO.v, state)
  const i = g.input(STEP_IO.i, state)
  const coefficients = addCoefficients(g, spec, o.parameters ?? 'baked')
  const { vNew, iNew } = addNorseStep(g, coefficients, v, i, addInputProjection(g, x, spec, o))
  g.output(STEP_IO.vNew, vNew, state)
  g.output(STEP_IO.iNew, iNew, state)
  return g
}
