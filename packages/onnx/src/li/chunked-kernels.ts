/**
 * The constant matrices of the chunked formulation, for scalar parameters and chunk length C.
 * Within a chunk, with carried-in j (end of the previous chunk) and v:
 *
 *     j[t] = α^{t+1}·j_in + Σ_{u≤t} α^{t−u}·x[u]
 *     v[t] = γ^{t+1}·v_in + a·Σ_{k≤t} γ^{t−k}·(vLeak + j[k])
 *          = K·x + P[t]·j_in + G[t]·v_in + Q[t]·i0 + L[t]·vLeak
 *
 * with K[t,u] = a·Σ_{k=u..t} γ^{t−k}·α^{k−u}, P[t] = a·Σ_{k≤t} γ^{t−k}·α^{k+1}, G[t] = γ^{t+1},
 * L[t] = a·Σ_{k≤t} γ^k, Q[t] = a·Σ_{k≤t} γ^{t−k}·α^k. The initial current i0 enters the first
 * chunk only (j[0] = i0 + x[0]), as its own operand row: writing it as j_in = i0/α would divide. Entries are summed in float64 from the float32 a, α, γ and rounded once.
 * Only non-negative powers appear: nothing divides by a power of α or γ.
 */

export interface ChunkKernels {
  readonly chunk: number
  /** [C, C+4]: [K | P | G | Q | L·vLeak], applied to rows [x; j_in; v_in; i0; 1]. */
  readonly voltage: Float32Array
  /** [2, C]: row 0 → Σ α^{C−1−u} x[u] (j at chunk end without j_in), row 1 → K[C−1] (v at chunk end, x part). */
  readonly boundary: Float32Array
  /** [2, 1]: the same two chunk-end values from i0: α^{C−1} and Q[C−1]. */
  readonly boundaryInitial: Float32Array
  /** [C, C+2]: row t gives j[t] from [x; j_in; i0] (for the final current). */
  readonly current: Float32Array
  /** α^C and γ^C: the factors of the recurrence over chunk boundaries. */
  readonly alphaPowC: number
  readonly gammaPowC: number
  /** P[C−1] and L[C−1]·vLeak: terms of v at a chunk's end. */
  readonly pEnd: number
  readonly leakEnd: number
}

/** a, b: float32 dt·tauMemInv and dt·tauSynInv; vLeak float32. */
export function chunkKernels(chunk: number, a: number, b: number, vLeak: number): ChunkKernels {
  const C = chunk
  const alpha = Math.fround(1 - b)
  const gamma = Math.fround(1 - a)
  const ap = (k: number): number => alpha ** k
  const gp = (k: number): number => gamma ** k
  const K = (t: number, u: number): number => {
    let s = 0
    for (let k = u; k <= t; k++) s += gp(t - k) * ap(k - u)
    return a * s
  }
  const P = (t: number): number => {
    let s = 0
    for (let k = 0; k <= t; k++) s += gp(t - k) * ap(k + 1)
    return a * s
  }
  const Q = (t: number): number => {
    let s = 0
    for (let k = 0; k <= t; k++) s += gp(t - k) * ap(k)
    return a * s
  }
  const L = (t: number): number => {
    let s = 0
    for (let k = 0; k <= t; k++) s += gp(k)
    return a * s
  }
  const W = C + 4
  const voltage = new Float32Array(C * W)
  const current = new Float32Array(C * (C + 2))
  for (let t = 0; t < C; t++) {
    for (let u = 0; u <= t; u++) {
      voltage[t * W + u] = K(t, u)
      current[t * (C + 2) + u] = ap(t - u)
    }
    voltage[t * W + C] = P(t)
    voltage[t * W + C + 1] = gp(t + 1)
    voltage[t * W + C + 2] = Q(t)
    voltage[t * W + C + 3] = L(t) * vLeak
    current[t * (C + 2) + C] = ap(t + 1)
    current[t * (C + 2) + C + 1] = ap(t)
  }
  const boundary = new Float32Array(2 * C)
  for (let u = 0; u < C; u++) {
    boundary[u] = ap(C - 1 - u)
    boundary[C + u] = K(C - 1, u)
  }
  return {
    chunk: C,
    voltage,
    boundary,
    boundaryInitial: Float32Array.of(ap(C - 1), Q(C - 1)),
    current,
    alphaPowC: Math.fround(ap(C)),
    gammaPowC: Math.fround(gp(C)),
    pEnd: Math.fround(P(C - 1)),
    leakEnd: Math.fround(L(C - 1) * vLeak),
  }
}

/**
 * The carried-in state of every chunk in one MatMul, for a fixed number of chunks: with the chunk-end
 * state s_k = (J_k, V_k) = A·s_{k−1} + f_k, A = [[α^C, 0], [P[C−1], γ^C]], f_k = (e0_k, e1_k + L·vLeak)
 * and s_{−1} = (0, v0), the state chunk k starts from is s_{k−1} = Σ_{l<k} A^{k−1−l}·f_l + A^k·s_{−1}.
 * Returns the [2·nC, 2·nC + 2] matrix applied to the rows [e0_0; e1_0; …; e0_{nC−1}; e1_{nC−1}; v0; 1]
 * (the chunk ends as the boundary MatMul lays them out); output row 2k is j_in of chunk k, 2k+1 its
 * v_in. Powers of A are formed in float64 by multiplication only, and each entry is rounded once.
 */
export function chunkStateKernel(k: ChunkKernels, chunks: number): Float32Array {
  const cols = 2 * chunks + 2
  const out = new Float32Array(2 * chunks * cols)
  // powers[p] = A^p as [a00, a10, a11] (a01 = 0).
  const powers: [number, number, number][] = [[1, 0, 1]]
  for (let p = 1; p <= chunks; p++) {
    const [a00, a10, a11] = powers[p - 1] as [number, number, number]
    powers.push([a00 * k.alphaPowC, a10 * k.alphaPowC + a11 * k.pEnd, a11 * k.gammaPowC])
  }
  for (let c = 0; c < chunks; c++) {
    const jRow = 2 * c * cols
    const vRow = (2 * c + 1) * cols
    let leak = 0
    for (let l = 0; l < c; l++) {
      const [a00, a10, a11] = powers[c - 1 - l] as [number, number, number]
      out[jRow + 2 * l] = a00
      out[vRow + 2 * l] = a10
      out[vRow + 2 * l + 1] = a11
      leak += a11 * k.leakEnd
    }
    const [, , g] = powers[c] as [number, number, number]
    out[vRow + 2 * chunks] = g
    out[vRow + 2 * chunks + 1] = leak
  }
  return out
}
