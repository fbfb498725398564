/**
 * Graph helpers for the time axis (axis 0) of sequence tensors: slicing, shifting, and a linear
 * recurrence solved by doubling. Only elementwise ops, Slice, Pad and Concat: no Loop/Scan, so
 * they run on every execution provider (WebGPU included).
 */
import type { GraphBuilder } from '../graph/graph-builder.js'

/** Largest index used as an open Slice end (onnxruntime clamps it to the axis length). */
const TO_END = Number.MAX_SAFE_INTEGER

/** x[start:end] along axis 0 (negative indices count from the end, as in NumPy). */
export function sliceTime(g: GraphBuilder, x: string, start: number, end: number = TO_END): string {
  return g.op(
    'Slice',
    [x, g.ints('start', [start]), g.ints('end', [end]), g.ints('axis0', [0])],
    {},
    'time_slice',
  )
}

/** x[index] along axis 0, dropping the axis. */
export function timeRow(g: GraphBuilder, x: string, index: number): string {
  return g.op('Gather', [x, g.ints('index', [index], [])], { axis: { kind: 'int', value: 0 } }, 'time_row')
}

/** Zero padding of `count` rows before axis 0 of a tensor of rank `rank`. */
function padFront(g: GraphBuilder, x: string, count: number, rank: number): string {
  const pads = new Array<number>(2 * rank).fill(0)
  pads[0] = count
  return g.op('Pad', [x, g.ints('pads', pads)], {}, 'shifted')
}

/**
 * Returns y with y[0] = x[0] + extra and y[t] = x[t] for t > 0 (extra broadcasts to one row).
 * Used to fold an initial state into the first input of a recurrence.
 */
export function addToFirstRow(g: GraphBuilder, x: string, extra: string): string {
  const first = g.op('Add', [sliceTime(g, x, 0, 1), extra], {}, 'first_row')
  return g.op('Concat', [first, sliceTime(g, x, 1)], { axis: { kind: 'int', value: 0 } }, 'with_initial')
}

/** Shape facts the doubling scan needs. */
export interface TimeAxis {
  /** Rank of the tensors being scanned. */
  readonly rank: number
  /** Fixed length of axis 0, when known at build time. */
  readonly length?: number
  /** Upper bound of the length when it is symbolic; sets the number of passes. */
  readonly maxLength?: number
}

/** ⌈log₂ n⌉ for n ≥ 1. */
export function doublingPasses(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n))
}

/**
 * Solves h[t] = A·h[t−1] + c[t] (h[−1] = 0) along axis 0 by doubling: for s = 1, 2, 4, …,
 * c[t] += A^s·c[t−s], then A^s ← A^s·A^s. `factor` broadcasts against one row (scalar or [N]).
 * Only multiplies by non-negative powers of A: exact for A = 0, no overflow.
 *
 * With a fixed length each pass is Slice → Mul → Pad → Add. With a symbolic length a shift may
 * exceed the length, so the pass is Concat(c[:s], c[s:] + A^s·c[:−s]) instead, which is right for
 * any length (one extra copy per pass).
 */
export function addDoublingScan(
  g: GraphBuilder,
  c: string,
  factor: string | (() => string),
  axis: TimeAxis,
): string {
  const bound = axis.length ?? axis.maxLength
  if (bound === undefined) throw new Error('doubling scan: give the time length or an upper bound')
  let h = c
  let power = ''
  for (let pass = 0, s = 1; pass < doublingPasses(bound); pass++, s *= 2) {
    // A factor given as a function is only materialised when a pass needs it (no unused initializer).
    power =
      pass === 0
        ? typeof factor === 'string'
          ? factor
          : factor()
        : g.op('Mul', [power, power], {}, `factor_pow${s}`)
    const carried = g.op('Mul', [power, sliceTime(g, h, 0, -s)], {}, `carry${s}`)
    if (axis.length !== undefined) {
      h = g.op('Add', [h, padFront(g, carried, s, axis.rank)], {}, `scan${s}`)
    } else {
      const tail = g.op('Add', [sliceTime(g, h, s), carried], {}, `tail${s}`)
      h = g.op('Concat', [sliceTime(g, h, 0, s), tail], { axis: { kind: 'int', value: 0 } }, `scan${s}`)
    }
  }
  return h
}
