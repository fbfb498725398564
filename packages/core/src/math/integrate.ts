import type { Coefficients } from '../parameters/parameters.js'

const f = Math.fround

/**
 * The fused LI loop over time, in Norse's order of operations with float32 rounding after every
 * operation (a double result rounded to float32 equals the float32 operation for + − ×):
 *
 *     j = i + x;  v = v + a·((vLeak − v) + j);  i = j − b·j;  out = v
 *
 * `currents` is [steps, rows, N] (rows = product of the batch dims); `v` and `i` are [rows, N] and are
 * advanced in place. `out` receives v after each step and may be the same array as `currents` (each
 * value is read before it is overwritten). `recordI`, when given, receives i after each step.
 */
export function integrate(
  c: Coefficients,
  currents: Float32Array,
  steps: number,
  rows: number,
  v: Float32Array,
  i: Float32Array,
  out: Float32Array,
  recordI?: Float32Array,
): void {
  const N = c.a.length
  const width = rows * N
  if (c.scalar && !recordI) {
    integrateScalar(
      c.a[0] as number,
      c.b[0] as number,
      c.vLeak[0] as number,
      currents,
      steps,
      width,
      v,
      i,
      out,
    )
    return
  }
  const { a, b, vLeak } = c
  for (let t = 0; t < steps; t++) {
    for (let r = 0; r < rows; r++) {
      const row = r * N
      const k = t * width + row
      const x = currents.subarray(k, k + N)
      const o = out.subarray(k, k + N)
      const vs = v.subarray(row, row + N)
      const is = i.subarray(row, row + N)
      const rec = recordI?.subarray(k, k + N)
      for (let n = 0; n < N; n++) {
        const vOld = vs[n] as number
        const j = f((is[n] as number) + (x[n] as number))
        const vNew = f(vOld + f((a[n] as number) * f(f((vLeak[n] as number) - vOld) + j)))
        const iNew = f(j - f((b[n] as number) * j))
        vs[n] = vNew
        is[n] = iNew
        o[n] = vNew
        if (rec) rec[n] = iNew
      }
    }
  }
}

/**
 * Scalar parameters. Per time step the loop walks subarray views of exactly one row of input and
 * output: V8 then drops the bounds checks, which (with fround on every operation) is what bounds the
 * speed here. vLeak = 0, Norse's default, saves one rounding: 0 − v is exact.
 */
function integrateScalar(
  a: number,
  b: number,
  vLeak: number,
  currents: Float32Array,
  steps: number,
  width: number,
  v: Float32Array,
  i: Float32Array,
  out: Float32Array,
): void {
  for (let t = 0; t < steps; t++) {
    const x = currents.subarray(t * width, (t + 1) * width)
    const o = out.subarray(t * width, (t + 1) * width)
    if (vLeak === 0) {
      for (let s = 0; s < width; s++) {
        const vOld = v[s] as number
        const j = f((i[s] as number) + (x[s] as number))
        const vNew = f(vOld + f(a * f(j - vOld)))
        i[s] = f(j - f(b * j))
        v[s] = vNew
        o[s] = vNew
      }
    } else {
      for (let s = 0; s < width; s++) {
        const vOld = v[s] as number
        const j = f((i[s] as number) + (x[s] as number))
        const vNew = f(vOld + f(a * f(f(vLeak - vOld) + j)))
        i[s] = f(j - f(b * j))
        v[s] = vNew
        o[s] = vNew
      }
    }
  }
}

/**
 * x·Wᵀ for every row of x ([rows, inputs]) with W [outputs, inputs], as torch.nn.functional.linear.
 * Sums in double and rounds once; torch's BLAS sums in float32 in its own order, so the two agree to
 * a few float32 ulps (well inside the 1e-5 tolerance), not bit for bit.
 *
 * Spikes as events: a row with at most a third of its inputs non-zero sums only over those (the
 * event-driven update). A zero input adds ±0 to the sum, which changes nothing, so both paths give
 * the same result (unless W holds ±Inf or NaN, where 0·Inf would be NaN).
 */
export function project(
  x: Float32Array,
  rows: number,
  inputs: number,
  weights: Float32Array,
  outputs: number,
  into: Float32Array,
): void {
  const active = activeScratch(inputs)
  const sparseLimit = Math.floor(inputs / 3)
  for (let r = 0; r < rows; r++) {
    const xOff = r * inputs
    const oOff = r * outputs
    let count = 0
    for (let k = 0; k < inputs && count <= sparseLimit; k++) if (x[xOff + k] !== 0) active[count++] = k
    if (count <= sparseLimit) {
      for (let o = 0; o < outputs; o++) {
        const wOff = o * inputs
        let sum = 0
        for (let q = 0; q < count; q++) {
          const k = active[q] as number
          sum += (x[xOff + k] as number) * (weights[wOff + k] as number)
        }
        into[oOff + o] = sum
      }
      continue
    }
    for (let o = 0; o < outputs; o++) {
      const wOff = o * inputs
      let sum = 0
      for (let k = 0; k < inputs; k++) sum += (x[xOff + k] as number) * (weights[wOff + k] as number)
      into[oOff + o] = sum
    }
  }
}

let active = new Int32Array(0)

function activeScratch(inputs: number): Int32Array {
  if (active.length < inputs) active = new Int32Array(inputs)
  return active
}
