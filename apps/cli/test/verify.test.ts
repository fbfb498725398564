import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenFile, leaky } from './run-cli.js'

const scratch = mkdtempSync(join(tmpdir(), 'leaky-cli-'))

describe('leaky verify', () => {
  it('passes every golden case on js and prints the table', () => {
    const r = leaky('verify', '--golden', goldenFile, '--backend', 'js')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/ff_per_neuron_params\s+js\s+run\s+0\.00e\+0\s+1e-5\s+yes/)
    expect(r.stdout).toMatch(/16 passed, 0 failed/)
  })
  it('--json gives one row per case, backend and mode', () => {
    const r = leaky('verify', '--golden', goldenFile, '--backend', 'js', '--json')
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; results: unknown[] }
    expect(doc.schemaVersion).toBe(1)
    const rows = doc.results as {
      case: string
      backend: string
      error: number
      tolerance: number
      pass: boolean
    }[]
    expect(rows).toHaveLength(16)
    for (const row of rows) {
      expect(row.backend).toBe('js')
      expect(row.pass).toBe(true)
      expect(row.error).toBeLessThanOrEqual(row.tolerance)
    }
  })
  it('exits 1 when a case fails', () => {
    const doc = JSON.parse(readFileSync(goldenFile, 'utf8'))
    doc.cases = [doc.cases[0]]
    doc.cases[0].outputs.data[5] += 0.5
    const file = join(scratch, 'wrong.json')
    writeFileSync(file, JSON.stringify(doc))
    const r = leaky('verify', '--golden', file, '--backend', 'js')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/NO/)
  })
  it.each([
    ['a missing file', ['--golden', '/no/such/file.json'], /cannot read golden file/],
    ['a file that is not JSON', ['--golden', 'NOTJSON'], /not JSON/],
    ['a malformed case', ['--golden', 'MALFORMED'], /case x, kind/],
    ['no --golden', [], /--golden FILE or --bad-input is required/],
    ['an unknown flag', ['--golden', 'x', '--frobnicate'], /Unknown option/],
    ['an unknown backend', ['--golden', 'x', '--backend', 'tpu'], /unknown backend "tpu"/],
  ])('%s: one line on stderr, exit 2, no stack trace', (_, args, message) => {
    writeFileSync(join(scratch, 'bad.txt'), '{ nope')
    writeFileSync(
      join(scratch, 'malformed.json'),
      JSON.stringify({ cases: [{ name: 'x', kind: 'spiking' }] }),
    )
    const resolved = args.map((a) =>
      a === 'NOTJSON' ? join(scratch, 'bad.txt') : a === 'MALFORMED' ? join(scratch, 'malformed.json') : a,
    )
    const r = leaky('verify', ...resolved)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('leaky demo', () => {
  it("prints leaky's voltages next to Norse's with zero error on js", () => {
    const r = leaky('demo')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/leaky v\[0\]\s+Norse v\[0\]/)
    expect(r.stdout).toMatch(/golden metric\): 0\.00e\+0/)
  })
})
