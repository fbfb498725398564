import { describe, expect, it } from 'vitest'
import { leaky } from './run-cli.js'

describe('leaky backends', () => {
  it('--json lists every registered backend as { name, available, reason }', () => {
    const r = leaky('backends', '--json')
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number
      backends: { name: string; available: boolean; reason: string | null }[]
    }
    expect(doc.schemaVersion).toBe(1)
    const rows = doc.backends
    expect(rows.map((x) => x.name)).toContain('js')
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['available', 'name', 'reason'])
      expect(row.available ? row.reason === null : typeof row.reason === 'string').toBe(true)
    }
  })
  it('prints a table, and --explain ranks backends for a workload and says what auto picks', () => {
    expect(leaky('backends').stdout).toMatch(/backend\s+available\s+reason\n[- ]+\n(.*\n)*js\s+yes/)
    const r = leaky('backends', '--explain', '--neurons', '1000', '--steps', '500', '--mode', 'step')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/workload: N=1000, T=500, mode step \(500 step\(\) calls\)/)
    expect(r.stdout).toMatch(/js\s+\S+ s\s+\((built-in|calibration): 500 calls × /)
    expect(r.stdout).toMatch(/auto picks (js|node-cpu|wasm-simd): /)
    const w = leaky(
      'backends',
      '--explain',
      '--neurons',
      '64',
      '--steps',
      '10',
      '--weighted',
      '--inputs',
      '32',
      '--json',
    )
    const doc = JSON.parse(w.stdout) as { auto: string; ranking: { backend: string; seconds: number }[] }
    expect(['js', 'node-cpu', 'wasm-simd']).toContain(doc.auto)
    expect(doc.ranking[0]?.seconds).toBeGreaterThan(0)
  })
  it('--input-density declares spike input: an event-driven x·Wᵀ (wasm-simd) is estimated faster for it', () => {
    const explain = (...density: string[]) => {
      const r = leaky(
        'backends',
        '--explain',
        ...['--neurons', '256', '--steps', '500', '--batch', '64', '--inputs', '256', '--weighted'],
        ...density,
        '--json',
      )
      expect(r.code).toBe(0)
      return JSON.parse(r.stdout) as {
        workload: { inputDensity?: number }
        ranking: { backend: string; seconds: number }[]
      }
    }
    const sparse = explain('--input-density', '0.1')
    const dense = explain()
    expect(sparse.workload.inputDensity).toBe(0.1)
    expect(dense.workload.inputDensity).toBeUndefined()
    const seconds = (doc: typeof dense, name: string) => doc.ranking.find((e) => e.backend === name)?.seconds
    expect(seconds(sparse, 'wasm-simd')).toBeLessThan(seconds(dense, 'wasm-simd') as number)
    // node-cpu's MatMul multiplies every zero: the same estimate either way.
    expect(seconds(sparse, 'node-cpu')).toBe(seconds(dense, 'node-cpu'))
  })
  it.each([
    [
      'a density outside [0, 1]',
      ['--explain', '--neurons', '10', '--steps', '2', '--weighted', '--input-density', '1.5'],
      /--input-density takes a number in \[0, 1\]/,
    ],
    [
      'a density without --weighted',
      ['--explain', '--neurons', '10', '--steps', '2', '--input-density', '0.1'],
      /add --weighted/,
    ],
    ['an unknown flag', ['--frobnicate'], /Unknown option/],
    ['--explain without a size', ['--explain', '--neurons', '10'], /needs --neurons N and --steps T/],
    [
      'a bad mode',
      ['--explain', '--neurons', '10', '--steps', '2', '--mode', 'fast'],
      /--mode is step or sequence/,
    ],
    ['a size without --explain', ['--neurons', '10'], /add --explain/],
    ['a non-number', ['--explain', '--neurons', 'many', '--steps', '2'], /--neurons takes a number/],
  ])('%s: usage line, exit 2', (_, args, message) => {
    const r = leaky('backends', ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toMatch(/^usage: leaky backends/m)
  })
})

describe('every command', () => {
  it.each(['backends', 'bench', 'run', 'verify', 'demo'])(
    '%s --help prints usage and examples, exit 0',
    (name) => {
      const r = leaky(name, '--help')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^usage: leaky ${name}`))
      expect(r.stdout).toMatch(/examples:\n {2}leaky /)
    },
  )
})
