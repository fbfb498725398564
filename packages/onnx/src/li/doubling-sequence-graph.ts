/**
 * Parallel-in-time sequence graph by doubling scan: no Loop/Scan node, ⌈log₂T⌉ passes of
 * elementwise ops over [T, ...batch, N]. Works with per-neuron parameters and with parameters as
 * graph inputs. With a = dt·tauMemInv, b = dt·tauSynInv, α = 1 − b, γ = 1 − a:
 *
 *     j[t] = α·j[t−1] + x[t],            j[0] = i0 + x[0]
 *     v[t] = γ·v[t−1] + a·(vLeak + j[t]), v[−1] = v0
 *     final state (v[T−1], j[T−1] − b·j[T−1])      (Norse's i_new = j − b·j)
 *
 * Rounding differs from the step order (≈ 1e-6 relative on the golden cases, within 1e-4).
 */
import type { ResolvedLayerSpec } from '@leaky/core'
import { GraphBuilder } from '../graph/graph-builder.js'
import { addCoefficients } from './coefficients.js'
import { SEQUENCE_IO } from './io-names.js'
import { addInputProjection, checkLayer, inputWidth, type SequenceGraphOptions } from './layer-options.js'
import { addDoublingScan, addToFirstRow, type TimeAxis, timeRow } from './time-axis.js'

/** The longest sequence a parallel graph with a symbolic T handles by default (16 doubling passes). */
export const DEFAULT_MAX_STEPS = 1 << 16

export interface ParallelSequenceGraphOptions extends SequenceGraphOptions {
  /**
   * With a symbolic time axis: the longest sequence the graph must handle (sets the number of
   * passes; default {@link DEFAULT_MAX_STEPS}). Longer sequences give wrong results.
   */
  readonly maxSteps?: number
}

/** The parallel-in-time sequence graph (a doubling scan, no Loop/Scan). */
export function buildDoublingSequenceGraph(
  spec: ResolvedLayerSpec,
  o: ParallelSequenceGraphOptions = {},
): GraphBuilder {
  checkLayer(spec, o)
  const g = new GraphBuilder('li_sequence_doubling')
  const batch = o.batchDims ?? []
  const state = [...batch, spec.neurons]
  const time = o.steps ?? 'T'
  const rank = state.length + 1
  const axis: TimeAxis =
    typeof time === 'number' ? { rank, length: time } : { rank, maxLength: o.maxSteps ?? DEFAULT_MAX_STEPS }

  const xs = g.input(SEQUENCE_IO.xs, [time, ...batch, inputWidth(spec)])
  const v0 = g.input(SEQUENCE_IO.v0, state)
  const i0 = g.input(SEQUENCE_IO.i0, state)
  const { a, b, vLeak } = addCoefficients(g, spec, o.parameters ?? 'baked')
  const one = g.scalar('one', 1)
  const alpha = g.op('Sub', [one, b], {}, 'alpha')
  const gamma = g.op('Sub', [one, a], {}, 'gamma')

  // Current after the jump, j[t], for every t.
  const j = addDoublingScan(g, addToFirstRow(g, addInputProjection(g, xs, spec, o), i0), alpha, axis)
  // Membrane: drive a·(vLeak + j[t]), with γ·v0 folded into t = 0.
  const drive = g.op('Mul', [a, g.op('Add', [vLeak, j], {}, 'leak_plus_j')], {}, 'drive')
  const v = addDoublingScan(
    g,
    addToFirstRow(g, drive, g.op('Mul', [gamma, v0], {}, 'decayed_v0')),
    gamma,
    axis,
  )

  const jLast = timeRow(g, j, -1)
  g.output(SEQUENCE_IO.voltages, v, [time, ...state])
  g.output(SEQUENCE_IO.vFinal, timeRow(g, v, -1), state)
  g.output(SEQUENCE_IO.iFinal, g.op('Sub', [jLast, g.op('Mul', [b, jLast])], {}, 'i_last'), state)
  return g
}
