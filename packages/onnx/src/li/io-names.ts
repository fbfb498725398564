/** Names of the graphs' inputs and outputs: the contract every backend feeds and reads by. */

/** The step graph: (x, v, i) → (v_new, i_new). */
export const STEP_IO = { x: 'x', v: 'v', i: 'i', vNew: 'v_new', iNew: 'i_new' } as const

/** Every sequence graph (exact Scan, parallel doubling, parallel chunked). */
export const SEQUENCE_IO = {
  xs: 'xs',
  v0: 'v0',
  i0: 'i0',
  voltages: 'voltages',
  vFinal: 'v_final',
  iFinal: 'i_final',
} as const

/**
 * The unrolled-steps graph of C steps: (x_0 … x_{C−1}, v, i) → (v_0 … v_{C−1}, i_{C−1}), with every
 * i_t an output when it records currents. v_t, i_t: the state after step t of the chunk.
 */
export const STEPS_IO = {
  /** The input of step t of the chunk. */
  x: (t: number) => `x_${t}`,
  v: 'v',
  i: 'i',
  /** The voltage after step t (step t's output). */
  vAfter: (t: number) => `v_${t}`,
  /** The current after step t: an output for the last step, or every step when recording currents. */
  iAfter: (t: number) => `i_${t}`,
} as const
