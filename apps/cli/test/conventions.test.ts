/** The command line's conventions: --version, usage, table width, JSON versions, where files go. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { activeCalibration } from '@leaky/core'
import { loadCalibration } from '@leaky/core/node'
import { describe, expect, it } from 'vitest'
import { leaky } from './run-cli.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

describe('leaky', () => {
  it('--version prints the package version', () => {
    const r = leaky('--version')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`${pkg.version}\n`)
  })
  it('bare: usage on stderr, exit 2, with every command and its whole description', () => {
    const r = leaky()
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    for (const name of ['backends', 'run', 'export', 'nir', 'verify', 'bench', 'demo'])
      expect(r.stderr).toMatch(new RegExp(`^ {2}${name}\\n {6}\\S`, 'm'))
    // The last line of bench's description, not only its first.
    expect(r.stderr).toMatch(/^ {6}what it scaled\. Exit 1 if a backend gave wrong answers\.$/m)
    expect(leaky('--help')).toMatchObject({ code: 0, stderr: '' })
  })
  it('tables fit $COLUMNS (the reason column wraps); --json keeps each reason whole', () => {
    const table = leaky.withEnv({ COLUMNS: '60' })('backends')
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60)
    const { backends } = JSON.parse(leaky('backends', '--json').stdout) as {
      backends: { name: string; reason: string | null }[]
    }
    const long = backends.find((b) => (b.reason ?? '').length > 60)
    expect(long, 'some backend is unavailable here with a long reason (node-cuda)').toBeDefined()
    // The wrapped pieces of that row, joined again, are the whole reason (words longer than the
    // column are split, so compare without the spaces).
    const at = lines.findIndex((l) => l.startsWith(`${long?.name} `))
    const reasonColumn = (lines[0] ?? '').indexOf('reason')
    const pieces = [lines[at] ?? '']
    for (let k = at + 1; k < lines.length && /^\s/.test(lines[k] ?? ''); k++) pieces.push(lines[k] ?? '')
    expect(pieces.length).toBeGreaterThan(1)
    const squeeze = (text: string) => text.replace(/\s+/g, '')
    expect(squeeze(pieces.map((l) => l.slice(reasonColumn)).join(''))).toBe(squeeze(long?.reason ?? ''))
  })
  it('demo runs on a backend from a backend package', () => {
    const r = leaky('demo', '--backend', 'node-cpu')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/backend node-cpu/)
  })
})

describe('leaky bench files and the calibration', () => {
  const data = mkdtempSync(join(tmpdir(), 'leaky-xdg-data-'))
  const cache = mkdtempSync(join(tmpdir(), 'leaky-xdg-cache-'))
  const env = { LEAKY_DATA_DIR: '', LEAKY_CACHE_DIR: cache, XDG_DATA_HOME: data }
  const calibrationFile = join(cache, 'calibration.json')

  it('writes reports under $XDG_DATA_HOME/leaky/bench, each JSON with a schemaVersion', () => {
    const r = leaky.withEnv(env)('bench', '--quick', '--backend', 'js', '--workload', 'step-1e3', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).schemaVersion).toBe(1)
    const files = readdirSync(join(data, 'leaky', 'bench'))
    expect(files.filter((f) => /\.(json|md|svg)$/.test(f))).toHaveLength(3)
    const written = files.find((f) => f.endsWith('.json')) as string
    expect(JSON.parse(readFileSync(join(data, 'leaky', 'bench', written), 'utf8')).schemaVersion).toBe(1)
    const calibration = JSON.parse(readFileSync(calibrationFile, 'utf8'))
    expect(calibration.schemaVersion).toBe(1)
    expect(calibration.machine.runtimes['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+/)
  })
  it('loadCalibration() (@leaky/core/node) gives auto what bench measured on this machine', () => {
    const loaded = loadCalibration(calibrationFile)
    expect(loaded.ignored).toBeUndefined()
    expect(activeCalibration()?.backends.js?.step.callSeconds).toBeGreaterThan(0)
  })
  it('a calibration from another machine is ignored, and backends --explain says why', () => {
    const doc = JSON.parse(readFileSync(calibrationFile, 'utf8'))
    doc.machine.cpu = 'Another CPU 9000'
    writeFileSync(calibrationFile, JSON.stringify(doc))
    const loaded = loadCalibration(calibrationFile)
    expect(loaded.calibration).toBeUndefined()
    expect(loaded.ignored).toMatch(/another machine or setup: cpu Another CPU 9000 there, .* here/)
    expect(activeCalibration()).toBeUndefined()
    const explain = ['backends', '--explain', '--neurons', '100', '--steps', '10']
    const r = leaky.withEnv(env)(...explain)
    expect(r.code).toBe(0)
    expect(r.stderr).not.toMatch(/ignoring the calibration/)
    expect(r.stdout).toMatch(/built-in figures: the calibration is ignored \(.*cpu Another CPU 9000 there/)
    expect(r.stdout).not.toMatch(/\(calibration: /)
    const json = JSON.parse(leaky.withEnv(env)(...explain, '--json').stdout)
    expect(json.calibration).toMatchObject({ used: false, ignored: expect.stringMatching(/Another CPU/) })
  })
})
