// The seeded uniform generator is core's, so the app, the tests and the benchmarks draw the same inputs.
export { mulberry32 } from '@leaky/core'

/** Standard normal samples by Box–Muller (1 − u keeps the logarithm away from 0). */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}
