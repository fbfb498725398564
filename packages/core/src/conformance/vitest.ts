import { describe, it } from 'vitest'
import type { Backend } from '../backend/types.js'
import { type ConformanceOptions, conformanceChecks } from './checks.js'

export interface DescribeConformanceOptions extends Omit<ConformanceOptions, 'backend'> {
  /** Made once, before the checks; an unavailable backend skips the suite and names why. */
  readonly backend: () => Promise<Backend>
  /** Per-check timeout in ms (slow runtimes, a software GPU). */
  readonly timeout?: number
}

/** Registers every conformance check as a vitest test. */
export async function describeConformance(title: string, options: DescribeConformanceOptions): Promise<void> {
  const backend = await options.backend()
  const availability = await backend.available()
  describe(title, () => {
    if (!availability.ok) {
      it.skip(`unavailable: ${availability.reason}`, () => {})
      return
    }
    for (const check of conformanceChecks({ ...options, backend })) {
      it(check.name, () => check.run(), options.timeout ?? 60_000)
    }
  })
}
