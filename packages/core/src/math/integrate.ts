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
    integrateScalar(c.a[0] as number, c.b[0] as number, c.vLeak[0] as number, currents, steps, width, v, i, out)
    return
  }
  const { a, b, vLeak } = c
  for (let t = 0; t < steps; t++) {
    const base = t * width
    for (let r = 0; r < rows; r++) {
      const row = r * N
      for (let n = 0; n < N; n++) {
        const s = row + n
        const k = base + s
        const vOld = v[s] as number
        const j = f((i[s] as number) + (currents[k] as number))
        const an = a[n] as number
        const vNew = f(vOld + f(an * f(f((vLeak[n] as number) - vOld) + j)))
        const iNew = f(j - f((b[n] as number) * j))
        v[s] = vNew
        i[s] = iNew
        out[k] = vNew
        if (recordI) recordI[k] = iNew
      }
    }
  }
}

/**
 * Scalar parameters: neurons are independent, so walk blocks of neurons through all time steps while
 * their state stays in L1 cache (the shape of li_roofline.c), instead of streaming the whole state
 * through memory once per step.
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
  const BLOCK = 512
  for (let n0 = 0; n0 < width; n0 += BLOCK) {
    const n1 = Math.min(n0 + BLOCK, width)
    for (let t = 0; t < steps; t++) {
      const base = t * width
      for (let s = n0; s < n1; s++) {
        const k = base + s
        const vOld = v[s] as number
        const j = f((i[s] as number) + (currents[k] as number))
        const vNew = f(vOld + f(a * f(f(vLeak - vOld) + j)))
        i[s] = f(j - f(b * j))
        v[s] = vNew
        out[k] = vNew
      }
    }
  }
}

/**
 * x·Wᵀ for every row of x ([rows, inputs]) with W [outputs, inputs], as torch.nn.functional.linear.
 * Sums in double and rounds once; torch's BLAS sums in float32 in its own order, so the two agree to
 * a few float32 ulps (well inside the 1e-5 tolerance), not bit for bit.
 */
export function project(
  x: Float32Array,
  rows: number,
  inputs: number,
  weights: Float32Array,
  outputs: number,
  into: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const xOff = r * inputs
    const oOff = r * outputs
    for (let o = 0; o < outputs; o++) {
      const wOff = o * inputs
      let sum = 0
      for (let k = 0; k < inputs; k++) sum += (x[xOff + k] as number) * (weights[wOff + k] as number)
      into[oOff + o] = sum
    }
  }
}
