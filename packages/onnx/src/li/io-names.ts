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
