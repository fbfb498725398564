import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mulberry32, relativeError, resolveSpec, simulate } from '@leaky/core'
import { writeNpy } from '@leaky/interop'
import { describe, expect, it } from 'vitest'
import { readArray } from '../src/io.js'
import { goldenFile, leaky } from './run-cli.js'

type T = { shape: number[]; data: number[] }
type Case = {
  name: string
  dt: number
  p: Record<string, T>
  input: T
  weights?: T
  v0: T
  i0: T
  outputs: T
  final: { v: T; i: T }
}

const scratch = mkdtempSync(join(tmpdir(), 'leaky-run-'))
const cases = new Map(
  (JSON.parse(readFileSync(goldenFile, 'utf8')) as { cases: Case[] }).cases.map((c) => [c.name, c]),
)
const golden = (name: string) => cases.get(name) as Case
const f32 = (t: T) => Float32Array.from(t.data)

/** A .npy as numpy.save writes it (v1 header padded to 64 bytes), float64 so the reader rounds. */
function writeNpy64(path: string, t: T): void {
  const tuple = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${tuple}, }`
  header += `${' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`
  const head = Buffer.alloc(10 + header.length)
  head.write('\x93NUMPY', 0, 'latin1')
  head[6] = 1
  head.writeUInt16LE(header.length, 8)
  head.write(header, 10, 'latin1')
  writeFileSync(path, Buffer.concat([head, Buffer.from(Float64Array.from(t.data).buffer)]))
}

describe('leaky run', () => {
  it('reproduces a golden case from JSON input (default state and parameters)', () => {
    const c = golden('ff_random_input')
    writeFileSync(join(scratch, 'x.json'), JSON.stringify(c.input))
    const r = leaky(
      'run',
      '--input',
      join(scratch, 'x.json'),
      '--out',
      join(scratch, 'v.json'),
      '--backend',
      'js',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/\[200, 37\] voltages from js/)
    const out = JSON.parse(readFileSync(join(scratch, 'v.json'), 'utf8'))
    expect(out.voltages.shape).toEqual(c.outputs.shape)
    expect(relativeError(Float32Array.from(out.voltages.data), f32(c.outputs))).toBeLessThanOrEqual(1e-5)
    expect(relativeError(Float32Array.from(out.state.i.data), f32(c.final.i))).toBeLessThanOrEqual(1e-5)
    expect(out.states).toBeUndefined()
  })
  it('reproduces a weighted golden case from float64 .npy input and weights, to .npy, with auto', async () => {
    const c = golden('w_norse_test')
    writeNpy64(join(scratch, 'wx.npy'), c.input)
    writeNpy64(join(scratch, 'w.npy'), c.weights as T)
    const out = join(scratch, 'wv.npy')
    const r = leaky(
      'run',
      '--input',
      join(scratch, 'wx.npy'),
      '--weights',
      join(scratch, 'w.npy'),
      '--out',
      out,
      '--record-states',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/\(auto\)/)
    const v = await readArray(out)
    expect(v.shape).toEqual(c.outputs.shape)
    expect(relativeError(v.data, f32(c.outputs))).toBeLessThanOrEqual(1e-5)
    expect((await readArray(join(scratch, 'wv.i.npy'))).shape).toEqual(c.outputs.shape)
    const state = await readArray(join(scratch, 'wv.state.npy'))
    expect(state.shape).toEqual([2, ...c.final.v.shape])
    const half = state.data.length / 2
    expect(relativeError(state.data.subarray(0, half), f32(c.final.v))).toBeLessThanOrEqual(1e-5)
    expect(relativeError(state.data.subarray(half), f32(c.final.i))).toBeLessThanOrEqual(1e-5)
  })
  it('auto weighs spike input by its density, read from the first slice: what --explain ranks for that density', () => {
    // 50 steps, batch 64, 256 → 256. No Vulkan driver for this test (VK_ICD_FILENAMES names none), so
    // node-webgpu's SwiftShader (CI's software GPU) does not take every pick: on the CPU backends,
    // with the built-in figures (this test's cache holds no calibration), the event-driven x·Wᵀ
    // (wasm-simd) wins on spikes of p = 0.1 and the MatMul (node-cpu) on real inputs.
    const cli = leaky.withEnv({ VK_ICD_FILENAMES: join(scratch, 'no-vulkan-driver.json') })
    const rand = mulberry32(7)
    const shape = [50, 64, 256]
    const size = 50 * 64 * 256
    const spikes = Float32Array.from({ length: size }, () => (rand() < 0.1 ? 1 : 0))
    const reals = Float32Array.from({ length: size }, () => 2 * rand() - 1)
    const w = Float32Array.from({ length: 256 * 256 }, () => (2 * rand() - 1) / 16)
    writeFileSync(join(scratch, 'dw.npy'), writeNpy({ data: w, shape: [256, 256] }))
    const picked = (name: string, data: Float32Array) => {
      writeFileSync(join(scratch, `${name}.npy`), writeNpy({ data, shape }))
      const r = cli(
        'run',
        ...['--input', join(scratch, `${name}.npy`), '--weights', join(scratch, 'dw.npy')],
        ...['--out', join(scratch, `${name}-v.npy`)],
      )
      expect(r.code, r.stderr).toBe(0)
      return /voltages from (\S+) \(auto\)/.exec(r.stdout)?.[1]
    }
    const explained = (...density: string[]) => {
      const r = cli(
        'backends',
        '--explain',
        ...['--neurons', '256', '--steps', '50', '--batch', '64', '--inputs', '256', '--weighted'],
        ...[...density, '--json'],
      )
      expect(r.code, r.stderr).toBe(0)
      return (JSON.parse(r.stdout) as { auto: string }).auto
    }
    // The whole input is the first slice here: its density, exactly.
    const density = spikes.reduce((n, e) => n + (e !== 0 ? 1 : 0), 0) / size
    const sparse = explained('--input-density', String(density))
    const dense = explained()
    expect(picked('spikes', spikes)).toBe(sparse)
    expect(picked('reals', reals)).toBe(dense)
    // Where only the CPU backends run (CI, and any machine without node-cuda) the picks differ.
    const cuda = JSON.parse(cli('backends', '--json').stdout) as {
      backends: { name: string; available: boolean }[]
    }
    if (!cuda.backends.some((b) => b.name === 'node-cuda' && b.available)) {
      expect(sparse).toBe('wasm-simd')
      expect(dense).toBe('node-cpu')
    }
  })
  it('takes per-neuron --params (Norse names), --dt and an initial --state', () => {
    const c = golden('ff_per_neuron_params')
    writeFileSync(join(scratch, 'p.json'), JSON.stringify(c.p))
    writeFileSync(join(scratch, 'px.json'), JSON.stringify(c.input))
    writeFileSync(join(scratch, 's.json'), JSON.stringify({ v: c.v0, i: c.i0 }))
    const args = [
      '--input',
      join(scratch, 'px.json'),
      '--params',
      join(scratch, 'p.json'),
      '--dt',
      String(c.dt),
    ]
    const r = leaky(
      'run',
      ...args,
      '--state',
      join(scratch, 's.json'),
      '--out',
      join(scratch, 'pv.json'),
      '--record-states',
    )
    expect(r.code).toBe(0)
    const out = JSON.parse(readFileSync(join(scratch, 'pv.json'), 'utf8'))
    expect(relativeError(Float32Array.from(out.voltages.data), f32(c.outputs))).toBeLessThanOrEqual(1e-5)
    expect(out.states.i.shape).toEqual(c.outputs.shape)
    // A scalar flag overrides the file: the answer changes.
    const o = leaky(
      'run',
      ...args,
      '--state',
      join(scratch, 's.json'),
      '--tau-mem-inv',
      '5',
      '--out',
      join(scratch, 'o.json'),
    )
    expect(o.code).toBe(0)
    const changed = JSON.parse(readFileSync(join(scratch, 'o.json'), 'utf8'))
    expect(relativeError(Float32Array.from(changed.voltages.data), f32(c.outputs))).toBeGreaterThan(1e-3)
  })
  it('streams an input larger than one slice (4M values) and carries the state across slices', async () => {
    // [1500, 3000] = 4.5M values: two run() calls of ≤ 1398 steps, the output appended to the .npy.
    const random = mulberry32(7)
    const xs = {
      data: Float32Array.from({ length: 1500 * 3000 }, () => random() * 2 - 1),
      shape: [1500, 3000],
    }
    writeFileSync(join(scratch, 'big.npy'), writeNpy(xs))
    const out = join(scratch, 'big-v.npy')
    const r = leaky('run', '--input', join(scratch, 'big.npy'), '--out', out, '--backend', 'js')
    expect(r.code).toBe(0)
    const v = await readArray(out)
    const expected = simulate(resolveSpec({ neurons: 3000 }), xs)
    expect(v.shape).toEqual([1500, 3000])
    expect(relativeError(v.data, expected.voltages.data)).toBe(0)
    const state = await readArray(join(scratch, 'big-v.state.npy'))
    expect(relativeError(state.data.subarray(3000), expected.state.i.data)).toBe(0)
  })
  it.each([
    ['no --input', ['--out', 'v.json'], /--input FILE is required/],
    ['a bad --out extension', ['--input', 'x.json', '--out', 'v.csv'], /--out must end in .npy or .json/],
    ['a non-number --dt', ['--input', 'x.json', '--out', 'v.json', '--dt', 'fast'], /--dt takes a number/],
    ['an unknown flag', ['--input', 'x.json', '--out', 'v.json', '--gpu'], /Unknown option/],
  ])('%s: usage line, exit 2', (_, args, message) => {
    const r = leaky('run', ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toMatch(/^usage: leaky run/m)
  })
  it.each([
    ['a missing input', ['--input', '/no/such.npy'], /cannot read \/no\/such.npy: ENOENT/],
    [
      'input columns that do not match the weights',
      ['--input', 'X', '--weights', 'W'],
      /input must be time-first \[T, ...batch, 5\], got \[3, 4\]/,
    ],
  ])('%s: one line on stderr, exit 2, no stack trace', (_, args, message) => {
    writeFileSync(join(scratch, 'bad.json'), JSON.stringify({ shape: [3, 4], data: Array(12).fill(0) }))
    writeFileSync(join(scratch, 'w45.json'), JSON.stringify({ shape: [4, 5], data: Array(20).fill(0) }))
    const files: Record<string, string> = { X: join(scratch, 'bad.json'), W: join(scratch, 'w45.json') }
    const resolved = args.map((a) => files[a] ?? a)
    const r = leaky('run', ...resolved, '--out', join(scratch, 'never.json'))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})
