import { describe, it } from 'vitest'
import type { Backend } from '../backend/types.js'
import { type ConformanceOptions, conformanceChecks } from './checks.js'

/** Options of {@link describeConformance}. */
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
      // CI names the backends it must run (LEAKY_REQUIRE_BACKENDS=a,b): there, unavailable is a failure.
      const required = (globalThis.process?.env?.LEAKY_REQUIRE_BACKENDS ?? '').split(',')
      if (required.includes(backend.name)) {
        it(`${backend.name} is required here (LEAKY_REQUIRE_BACKENDS)`, () => {
          throw new Error(`${backend.name} is unavailable: ${availability.reason}`)
        })
      } else {
        it.skip(`unavailable: ${availability.reason}`, () => {})
      }
      return
    }
    for (const check of conformanceChecks({ ...options, backend })) {
      it(check.name, () => check.run(), options.timeout ?? 60_000)
    }
  })
}
