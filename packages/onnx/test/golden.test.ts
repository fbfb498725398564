/**
 * Every graph variant × every case of every golden file (and the synthetic cases) × both real
 * runtimes: onnxruntime-node (CPU) and onnxruntime-web (wasm). Exact graphs within 1e-5 of Norse,
 * parallel graphs within 1e-4. The error of each case is printed as a table at the end (the golden
 * README asks to state it).
 */
import { goldenError } from '@leaky/core/conformance'
import { afterAll, describe, expect, it } from 'vitest'
import { goldenCases, syntheticCases } from './cases.js'
import { RUNTIMES } from './runtimes.js'
import { runVariant, VARIANTS } from './variants.js'

const cases = [...goldenCases(), ...syntheticCases()]
const errors = new Map<string, Map<string, string>>()

function record(variant: string, caseName: string, runtime: string, error: number) {
  const key = `${variant} | ${caseName}`
  if (!errors.has(key)) errors.set(key, new Map())
  errors.get(key)?.set(runtime, error.toExponential(2))
}

describe.each(VARIANTS)('$name', (variant) => {
  for (const runtime of RUNTIMES) {
    const applicable = cases.filter((c) => variant.applies(c))
    it.each(applicable.map((c) => [c.golden.name, c] as const))(`${runtime.name}: %s`, async (_, c) => {
      const result = await runVariant(variant, c, runtime)
      const error = goldenError(c.golden, result.outputs, result.final)
      record(variant.name, c.golden.name, runtime.name, error)
      expect(error).toBeLessThanOrEqual(variant.tolerance)
      expect(result.contract.tolerance).toBe(variant.tolerance)
    })
  }
})

it('golden cases were found', () => {
  expect(cases.length).toBeGreaterThanOrEqual(8)
})

afterAll(() => {
  const lines = [
    `| variant | case | ${RUNTIMES.map((r) => r.name).join(' | ')} |`,
    `|---|---|${RUNTIMES.map(() => '---').join('|')}|`,
  ]
  for (const [key, byRuntime] of errors) {
    lines.push(`| ${key} | ${RUNTIMES.map((r) => byRuntime.get(r.name) ?? '—').join(' | ')} |`)
  }
  console.log(`error vs Norse (golden metric) per case:\n${lines.join('\n')}`)
})
