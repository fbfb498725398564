/**
 * The exact sequence graph: Norse's step inside an ONNX Scan over time. Same rounding as the step
 * graph (error 0 on CPU), one session.run for a whole sequence. Weighted layers project every time
 * step and batch row with a single MatMul before the Scan.
 *
 * onnxruntime's WebGPU EP has no Scan kernel (the Scan then runs on the CPU): use the parallel
 * graphs there.
 */
import type { ResolvedLayerSpec } from '@leaky/core'
import { attr, GraphBuilder } from '../graph/graph-builder.js'
import { addCoefficients } from './coefficients.js'
import { SEQUENCE_IO } from './io-names.js'
import { addInputProjection, checkLayer, inputWidth, type SequenceGraphOptions } from './layer-options.js'
import { addNorseStep } from './norse-step.js'

/** xs: [T, ...batch, in], v0, i0: [...batch, N] → voltages [T, ...batch, N], v_final, i_final. */
export function buildScanSequenceGraph(spec: ResolvedLayerSpec, o: SequenceGraphOptions = {}): GraphBuilder {
  checkLayer(spec, o)
  const g = new GraphBuilder('li_sequence_scan')
  const batch = o.batchDims ?? []
  const state = [...batch, spec.neurons]
  const time = o.steps ?? 'T'
  const xs = g.input(SEQUENCE_IO.xs, [time, ...batch, inputWidth(spec)])
  const v0 = g.input(SEQUENCE_IO.v0, state)
  const i0 = g.input(SEQUENCE_IO.i0, state)
  const coefficients = addCoefficients(g, spec, o.parameters ?? 'baked')
  const projected = addInputProjection(g, xs, spec, o)

  // Body: (v, i, x_t) → (v_new, i_new, v_new as scan output). It reads a, b, vLeak from the outer
  // scope. Body values get their own prefix so they cannot shadow outer names.
  const body = new GraphBuilder('li_scan_body', 'body_')
  const v = body.input('body_v', state)
  const i = body.input('body_i', state)
  const x = body.input('body_x', state)
  const { vNew, iNew } = addNorseStep(body, coefficients, v, i, x)
  body.output('body_v_out', vNew, state)
  body.output('body_i_out', iNew, state)
  body.output('body_v_scan', vNew, state) // a second output of the same value → Identity

  g.node('Scan', [v0, i0, projected], [SEQUENCE_IO.vFinal, SEQUENCE_IO.iFinal, SEQUENCE_IO.voltages], {
    body: attr.graph(body.build()),
    num_scan_inputs: attr.int(1),
  })
  g.output(SEQUENCE_IO.voltages, SEQUENCE_IO.voltages, [time, ...state])
  g.output(SEQUENCE_IO.vFinal, SEQUENCE_IO.vFinal, state)
  g.output(SEQUENCE_IO.iFinal, SEQUENCE_IO.iFinal, state)
  return g
}
