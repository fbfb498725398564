/** One LI step in Norse's exact float32 order of operations, as graph nodes. */
import type { GraphBuilder } from '../graph/graph-builder.js'
import type { CoefficientValues } from './coefficients.js'

/**
 * Appends, with j = i + x:
 *     v_new = v + a·((vLeak − v) + j)
 *     i_new = j − b·j
 * which is Norse's li_feed_forward_step (x already weighted for li_step). Every operation is a
 * separate float32 node, so the result rounds exactly as Norse's does. `names` are the hints of the
 * two results: a graph output of that name then needs no Identity copy.
 */
export function addNorseStep(
  g: GraphBuilder,
  c: CoefficientValues,
  v: string,
  i: string,
  x: string,
  names: { readonly vNew: string; readonly iNew: string } = { vNew: 'v_new', iNew: 'i_new' },
): { readonly vNew: string; readonly iNew: string } {
  const j = g.op('Add', [i, x], {}, 'j')
  const drive = g.op('Add', [g.op('Sub', [c.vLeak, v], {}, 'leak'), j], {}, 'drive')
  const vNew = g.op('Add', [v, g.op('Mul', [c.a, drive], {}, 'dv')], {}, names.vNew)
  const iNew = g.op('Sub', [j, g.op('Mul', [c.b, j], {}, 'di')], {}, names.iNew)
  return { vNew, iNew }
}
