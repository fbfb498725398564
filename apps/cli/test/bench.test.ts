import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cacheDir, leaky } from './run-cli.js'

const out = mkdtempSync(join(tmpdir(), 'leaky-bench-'))

interface Report {
  machine: { host: string }
  cLimit: {
    workload: string
    neuronStepsPerSecond: number | null
    best: string | null
    references: { name: string; neuronStepsPerSecond: number }[]
  }[]
  results: {
    workload: string
    backend: string
    correct: boolean
    error: number
    neuronStepsPerSecond: number
    ratioToCLimit: number | null
    secondsMedian: number
    secondsMin: number
    secondsMax: number
  }[]
  unavailable: { backend: string; reason: string }[]
  norse: { figures: unknown[] }
}

describe('leaky bench', () => {
  it('--quick --json on js: correct results, ratios to the C limit, files and calibration written', () => {
    const r = leaky(
      'bench',
      '--quick',
      '--json',
      '--backend',
      'js',
      '--workload',
      'ff-1e3,step-1e3',
      '--out',
      out,
    )
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['machine', 'cLimit', 'results', 'unavailable']),
    )
    // Smallest workload first (bench orders them so small runs can predict large ones).
    expect(report.results.map((x) => [x.workload, x.backend])).toEqual([
      ['step-1e3', 'js'],
      ['ff-1e3', 'js'],
    ])
    const cMeasured = report.cLimit.every((c) => c.neuronStepsPerSecond !== null)
    // Three C references ran beside each workload; the yardstick is the fastest of them.
    if (cMeasured)
      for (const c of report.cLimit) {
        expect(c.references.map((x) => x.name)).toEqual(['li_roofline', 'li_time_blocked', 'li_memcpy'])
        const fastest = c.references.reduce((a, x) =>
          x.neuronStepsPerSecond > a.neuronStepsPerSecond ? x : a,
        )
        expect([c.best, c.neuronStepsPerSecond]).toEqual([fastest.name, fastest.neuronStepsPerSecond])
      }
    for (const row of report.results) {
      expect(row.correct).toBe(true)
      expect(row.error).toBeLessThanOrEqual(1e-5)
      expect(row.neuronStepsPerSecond).toBeGreaterThan(0)
      expect(row.secondsMin).toBeLessThanOrEqual(row.secondsMedian)
      expect(row.secondsMedian).toBeLessThanOrEqual(row.secondsMax)
      // gcc may be missing on a machine: then the ratio is null and the C limit says why.
      if (cMeasured) expect(row.ratioToCLimit).toBeGreaterThan(0)
    }
    const step = report.results.find((x) => x.workload === 'step-1e3')
    expect(step?.secondsMedian).toBeLessThan(1e-2) // per step, not per run
    expect(report.norse.figures.length).toBeGreaterThan(0)

    const files = readdirSync(out)
    for (const ext of ['json', 'md', 'svg']) expect(files.some((f) => f.endsWith(`.${ext}`))).toBe(true)
    const base = files.find((f) => f.endsWith('.json'))?.replace(/\.json$/, '') ?? ''
    expect(base).toMatch(/^\d{4}-\d{2}-\d{2}-/)
    expect(readFileSync(join(out, `${base}.svg`), 'utf8')).toMatch(
      /^<svg [^>]*>[\s\S]*log scale[\s\S]*<\/svg>/,
    )
    expect(readFileSync(join(out, `${base}.md`), 'utf8')).toMatch(/\| ff-1e3 \| js \| yes \|/)
    expect(r.stderr).toMatch(/bench \[1\/\d+\] step-1e3: C limit/) // plain progress lines: not a TTY

    // The calibration it wrote is what auto uses from now on.
    const calibration = JSON.parse(readFileSync(join(cacheDir, 'calibration.json'), 'utf8'))
    expect(calibration.version).toBe(1)
    expect(calibration.backends.js.sequence.neuronStepsPerSecond).toBeGreaterThan(0)
    const explained = leaky('backends', '--explain', '--neurons', '1000', '--steps', '100')
    expect(explained.stdout).toMatch(/js\s+\S+ s\s+\(calibration: /)
  })
  it('prints a table with the C limit and the quick scaling spelled out', () => {
    const r = leaky('bench', '--quick', '--backend', 'js', '--workload', 'ff-1e5,weighted-256', '--out', out)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/workload\s+backend\s+correct/)
    expect(r.stdout).toMatch(/--quick: ff-1e5 runs at T=100 \(full: 1000\)/)
    expect(r.stdout).toMatch(/C limit weighted-256: none — li_roofline.c fuses only the LI update/)
    expect(r.stdout).toMatch(/measured on another machine/)
    expect(existsSync(join(cacheDir, 'calibration.json'))).toBe(true)
  })
  it.each([
    ['an unknown workload', ['--workload', 'ff-1e9'], /unknown workload "ff-1e9"/],
    ['an unknown backend', ['--backend', 'tpu'], /unknown backend "tpu"/],
    ['an unknown flag', ['--fast'], /Unknown option/],
  ])('%s: usage line, exit 2', (_, args, message) => {
    const r = leaky('bench', ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toMatch(/^usage: leaky bench/m)
  })
})
