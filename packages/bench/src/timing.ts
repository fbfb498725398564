/** Timing figures of one measured operation, in seconds. */
export interface Timing {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly repetitions: number
}

/** Options of {@link measure}: warm-up runs, timed repetitions and calls per repetition. */
export interface MeasureOptions {
  /** Untimed runs first (JIT, session creation, caches). */
  readonly warmup?: number
  /** Timed runs, at least. */
  readonly repetitions?: number
  /** Keep repeating until this much time was measured (for very short operations). */
  readonly minSeconds?: number
  /** How many operations one timed run performs (its time is divided by this). */
  readonly batch?: number
}

/** Warm up, then time several repetitions; median and spread of the per-operation time. */
export async function measure(
  operation: () => unknown | Promise<unknown>,
  options: MeasureOptions = {},
): Promise<Timing> {
  const { warmup = 1, repetitions = 5, minSeconds = 0, batch = 1 } = options
  for (let k = 0; k < warmup; k++) await operation()
  const samples: number[] = []
  let total = 0
  while (samples.length < repetitions || total < minSeconds) {
    const start = performance.now()
    for (let k = 0; k < batch; k++) await operation()
    const seconds = (performance.now() - start) / 1000
    samples.push(seconds / batch)
    total += seconds
  }
  samples.sort((a, b) => a - b)
  const mid = samples.length >> 1
  const median =
    samples.length % 2
      ? (samples[mid] as number)
      : ((samples[mid - 1] as number) + (samples[mid] as number)) / 2
  return {
    median,
    min: samples[0] as number,
    max: samples[samples.length - 1] as number,
    repetitions: samples.length,
  }
}
