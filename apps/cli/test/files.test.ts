import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mulberry32, resolveSpec, simulate } from '@leaky/core'
import { writeNpy } from '@leaky/interop'
import { describe, expect, it } from 'vitest'
import { readArray } from '../src/io.js'
import { cacheDir, leaky } from './run-cli.js'

/**
 * No user file is ever damaged: every case that used to truncate or half-write a file (a signal, a
 * failed run, an output that is the input, a full disk) leaves the previous bytes exactly as they were.
 */
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'leaky-files-'))
const env = { ...process.env, LEAKY_CACHE_DIR: cacheDir }

function randomNpy(path: string, shape: number[], seed = 1): { data: Float32Array; shape: number[] } {
  const random = mulberry32(seed)
  const t = { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random()), shape }
  writeFileSync(path, writeNpy(t))
  return t
}

/** A file with known bytes standing where an output goes: the test checks they survive. */
function previous(path: string): Buffer {
  const bytes = Buffer.from(`previous contents of ${path}, which must survive\n`)
  writeFileSync(path, bytes)
  return bytes
}

/** Temporaries the writer left in `dir` (none may survive a failure). */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.leaky-tmp'))

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0] as string
}

describe('outputs are written whole or not at all', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s mid-run: exit %i, the previous output byte-identical, no temporary left',
    async (signal, code) => {
      const dir = mkdtempSync(join(scratch, `${signal}-`))
      // [3000, 2000] to .json: seconds of streaming, so the signal lands while the output is being written.
      randomNpy(join(dir, 'x.npy'), [3000, 2000])
      const out = join(dir, 'v.json')
      const before = previous(out)
      const child = spawn(
        process.execPath,
        [bin, 'run', '--input', join(dir, 'x.npy'), '--out', out, '--backend', 'js'],
        {
          env,
        },
      )
      let stderr = ''
      child.stderr.on('data', (d) => {
        stderr += d
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
      // Wait until the temporary holds data: the run is then part way through writing.
      const started = Date.now()
      for (;;) {
        const temp = leftovers(dir)[0]
        if (temp && statSync(join(dir, temp)).size > 1_000_000) break
        if (Date.now() - started > 60_000) throw new Error(`the run never started writing: ${stderr}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      child.kill(signal)
      expect(await exited).toBe(code)
      expect(stderr).toMatch(new RegExp(`stopped by ${signal}`))
      expect(readFileSync(out)).toEqual(before)
      expect(leftovers(dir)).toEqual([])
    },
  )

  it('a run that fails (a --state of the wrong shape) leaves the output and its state file as they were', () => {
    const dir = mkdtempSync(join(scratch, 'fail-'))
    randomNpy(join(dir, 'x.npy'), [20, 4])
    randomNpy(join(dir, 'bad-state.npy'), [2, 3])
    const out = join(dir, 'v.npy')
    const before = previous(out)
    const stateBefore = previous(join(dir, 'v.state.npy'))
    const r = leaky(
      'run',
      '--input',
      join(dir, 'x.npy'),
      '--state',
      join(dir, 'bad-state.npy'),
      '--out',
      out,
      '--backend',
      'js',
    )
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/shape|\[3\]/)
    expect(readFileSync(out)).toEqual(before)
    expect(readFileSync(join(dir, 'v.state.npy'))).toEqual(stateBefore)
    expect(leftovers(dir)).toEqual([])
  })

  it('a write that fails half way (file size limit: EFBIG): one line naming the file and the cause, exit 2', () => {
    const dir = mkdtempSync(join(scratch, 'efbig-'))
    randomNpy(join(dir, 'x.npy'), [200, 1000])
    const out = join(dir, 'v.npy')
    const before = previous(out)
    // 64 KiB per file (the 800 KB output cannot fit); SIGXFSZ ignored so the write returns EFBIG.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `trap '' XFSZ; ulimit -f 64; exec "$0" "$@"`,
        process.execPath,
        bin,
        'run',
        '--input',
        join(dir, 'x.npy'),
        '--out',
        out,
        '--backend',
        'js',
      ],
      { encoding: 'utf8', env },
    )
    expect(r.status).toBe(2)
    expect(oneLine(r.stderr)).toMatch(new RegExp(`cannot write ${out}: .*EFBIG`))
    expect(readFileSync(out)).toEqual(before)
    expect(leftovers(dir)).toEqual([])
  })

  it('a folder that takes no files: one line, exit 2, before any work', () => {
    const r = leaky('run', '--input', join(scratch, 'none.npy'), '--out', '/proc/leaky-v.npy')
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/cannot read .*none\.npy: ENOENT/)
    randomNpy(join(scratch, 'small.npy'), [5, 2])
    const w = leaky(
      'run',
      '--input',
      join(scratch, 'small.npy'),
      '--out',
      '/proc/leaky-v.npy',
      '--backend',
      'js',
    )
    expect(w.code).toBe(2)
    expect(oneLine(w.stderr)).toMatch(/cannot write \/proc\/leaky-v\.npy/)
  })
})

describe('an output that is an input is refused before anything is written', () => {
  it('--out equal to --input, spelled differently or through a symlink', () => {
    const dir = mkdtempSync(join(scratch, 'same-'))
    randomNpy(join(dir, 'x.npy'), [10, 3])
    const before = readFileSync(join(dir, 'x.npy'))
    symlinkSync(join(dir, 'x.npy'), join(dir, 'link.npy'))
    for (const [input, out] of [
      ['x.npy', './x.npy'],
      ['x.npy', `../${dir.split('/').at(-1)}/x.npy`],
      ['x.npy', 'link.npy'],
      ['link.npy', 'x.npy'],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, 'run', '--input', input, '--out', out, '--backend', 'js'], {
        cwd: dir,
        encoding: 'utf8',
        env,
      })
      expect(r.status).toBe(2)
      expect(oneLine(r.stderr)).toMatch(/is the same file as --input/)
      expect(readFileSync(join(dir, 'x.npy'))).toEqual(before)
    }
  })
  it('the state file beside a .npy output may not be the --state input either', () => {
    const dir = mkdtempSync(join(scratch, 'same-state-'))
    randomNpy(join(dir, 'x.npy'), [10, 3])
    const state = randomNpy(join(dir, 'v.state.npy'), [2, 3])
    const before = readFileSync(join(dir, 'v.state.npy'))
    const r = leaky(
      'run',
      '--input',
      join(dir, 'x.npy'),
      '--state',
      join(dir, 'v.state.npy'),
      '--out',
      join(dir, 'v.npy'),
    )
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/the state file .* is the same file as --state/)
    expect(readFileSync(join(dir, 'v.state.npy'))).toEqual(before)
    expect(state.shape).toEqual([2, 3])
  })
  it('export: --out m.onnx beside --params m.json, and ONNX into a .json, are refused', () => {
    const dir = mkdtempSync(join(scratch, 'export-'))
    const params = join(dir, 'm.json')
    writeFileSync(params, JSON.stringify({ tauMemInv: 50 }))
    const before = readFileSync(params)
    const base = ['export', '--neuron', 'feed-forward', '--graph', 'step', '--neurons', '3']
    const r = leaky(...base, '--params', params, '--out', join(dir, 'm.onnx'))
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/the contract .*m\.json is the same file as --params/)
    expect(readFileSync(params)).toEqual(before)
    expect(existsSync(join(dir, 'm.onnx'))).toBe(false)
    const j = leaky(...base, '--out', join(dir, 'x.json'))
    expect(j.code).toBe(2)
    expect(j.stderr).toMatch(/--out must end in \.onnx/)
    expect(existsSync(join(dir, 'x.json'))).toBe(false)
  })
  it('bench: an --out that cannot be written is refused before any benchmarking', () => {
    const file = join(scratch, 'a-file')
    writeFileSync(file, 'not a folder')
    const started = Date.now()
    const r = leaky('bench', '--out', join(file, 'results'))
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/cannot write .*a-file\/results: .*ENOTDIR/)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(readFileSync(file, 'utf8')).toBe('not a folder')
  })
  it('outputs that are devices or folders are refused (never renamed over)', () => {
    randomNpy(join(scratch, 'dev-x.npy'), [4, 2])
    const dir = join(scratch, 'a-folder.npy')
    mkdirSync(dir)
    for (const [out, why] of [
      ['/dev/full', /must end in .npy or .json/],
      [dir, /is a folder/],
    ] as const) {
      const r = leaky('run', '--input', join(scratch, 'dev-x.npy'), '--out', out, '--backend', 'js')
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(why)
    }
    symlinkSync('/dev/full', join(scratch, 'full.npy'))
    const r = leaky(
      'run',
      '--input',
      join(scratch, 'dev-x.npy'),
      '--out',
      join(scratch, 'full.npy'),
      '--backend',
      'js',
    )
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/full\.npy is not a regular file/)
  })
})

describe('every file leaky writes is valid for its format', () => {
  it('a .json output with non-finite voltages is refused, naming .npy; the previous file stays', async () => {
    const dir = mkdtempSync(join(scratch, 'nonfinite-'))
    const xs = { data: Float32Array.of(1, 2, Number.POSITIVE_INFINITY, 4, 5, 6), shape: [3, 2] }
    writeFileSync(join(dir, 'x.npy'), writeNpy(xs))
    const out = join(dir, 'v.json')
    const before = previous(out)
    const r = leaky('run', '--input', join(dir, 'x.npy'), '--out', out, '--backend', 'js')
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(
      /value 2 is Infinity, which JSON cannot hold: write a \.npy file instead/,
    )
    expect(readFileSync(out)).toEqual(before)
    // The same run to .npy keeps the values, and its state file holds them too.
    const n = leaky('run', '--input', join(dir, 'x.npy'), '--out', join(dir, 'v.npy'), '--backend', 'js')
    expect(n.code).toBe(0)
    const expected = simulate(resolveSpec({ neurons: 2 }), xs)
    expect((await readArray(join(dir, 'v.npy'))).data).toEqual(expected.voltages.data)
    expect(Number.isFinite((await readArray(join(dir, 'v.state.npy'))).data[0])).toBe(false)
  })
  it('the state beside a .npy output is .npy, and --state takes it back: two halves equal the whole run', async () => {
    const dir = mkdtempSync(join(scratch, 'roundtrip-'))
    const whole = randomNpy(join(dir, 'x.npy'), [40, 3, 5], 3)
    const half = whole.data.length / 2
    writeFileSync(join(dir, 'a.npy'), writeNpy({ data: whole.data.slice(0, half), shape: [20, 3, 5] }))
    writeFileSync(join(dir, 'b.npy'), writeNpy({ data: whole.data.slice(half), shape: [20, 3, 5] }))
    const run = (...args: string[]) => {
      const r = leaky('run', '--backend', 'js', '--tau-mem-inv', '40', ...args)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    }
    run('--input', join(dir, 'x.npy'), '--out', join(dir, 'all.npy'))
    run('--input', join(dir, 'a.npy'), '--out', join(dir, 'va.npy'))
    run('--input', join(dir, 'b.npy'), '--state', join(dir, 'va.state.npy'), '--out', join(dir, 'vb.npy'))
    const all = await readArray(join(dir, 'all.npy'))
    const vb = await readArray(join(dir, 'vb.npy'))
    expect(vb.data).toEqual(all.data.slice(half))
    expect(await readArray(join(dir, 'vb.state.npy'))).toEqual(await readArray(join(dir, 'all.state.npy')))
    expect((await readArray(join(dir, 'va.state.npy'))).shape).toEqual([2, 3, 5])
  })
})

describe('reads are bounded', () => {
  it('a device (/dev/zero behind a .npy or .json name) is refused, not read until memory runs out', () => {
    symlinkSync('/dev/zero', join(scratch, 'zero.npy'))
    symlinkSync('/dev/zero', join(scratch, 'zero.json'))
    randomNpy(join(scratch, 'ok.npy'), [4, 2])
    for (const args of [
      ['--input', join(scratch, 'zero.npy')],
      ['--input', join(scratch, 'zero.json')],
      ['--input', join(scratch, 'ok.npy'), '--weights', join(scratch, 'zero.npy')],
      ['--input', join(scratch, 'ok.npy'), '--params', join(scratch, 'zero.json')],
      ['--input', join(scratch, 'ok.npy'), '--state', join(scratch, 'zero.npy')],
    ]) {
      const r = leaky('run', ...args, '--out', join(scratch, 'never.npy'), '--backend', 'js')
      expect(r.code).toBe(2)
      expect(oneLine(r.stderr)).toMatch(/zero\.(npy|json) is not a regular file/)
    }
    expect(existsSync(join(scratch, 'never.npy'))).toBe(false)
  })
  it('a JSON input over 64 MiB is refused with one line naming .npy', () => {
    const big = join(scratch, 'big.json')
    writeFileSync(big, `{"shape":[1,1],"data":[0]}${' '.repeat(64 * 1024 * 1024)}`)
    const r = leaky('run', '--input', big, '--out', join(scratch, 'never.json'), '--backend', 'js')
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/big\.json is 64 MiB, over the 64 MiB leaky reads as JSON: use \.npy/)
  })
  it('a .npy header with a negative dimension is a format error', () => {
    const bytes = Buffer.from(writeNpy({ data: new Float32Array(6), shape: [3, 2] }))
    const text = bytes.toString('latin1').replace("'shape': (3, 2)", "'shape': (3,-2)")
    writeFileSync(join(scratch, 'negative.npy'), Buffer.from(text, 'latin1'))
    const r = leaky('run', '--input', join(scratch, 'negative.npy'), '--out', join(scratch, 'never.npy'))
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/negative\.npy: shape \(3, -2\) has a dimension -2/)
  })
})

describe('leaky starts without reserving HDF5 memory', () => {
  it('runs under ulimit -v 8000000 (h5wasm starts only when a .nir file is touched)', () => {
    writeFileSync(join(scratch, 'ulimit.json'), JSON.stringify({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }))
    const r = spawnSync(
      'bash',
      [
        '-c',
        'ulimit -v 8000000; exec "$0" "$@"',
        process.execPath,
        bin,
        'run',
        '--input',
        join(scratch, 'ulimit.json'),
        '--out',
        join(scratch, 'ulimit-v.json'),
        '--backend',
        'js',
      ],
      { encoding: 'utf8', env },
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(readFileSync(join(scratch, 'ulimit-v.json'), 'utf8')).voltages.shape).toEqual([3, 2])
  })
})

describe('run picks its backend through createLayer', () => {
  it('a backend in the list that is unavailable is passed over with a note on stderr', () => {
    randomNpy(join(scratch, 'pref.npy'), [6, 2])
    const r = leaky(
      'run',
      '--input',
      join(scratch, 'pref.npy'),
      '--out',
      join(scratch, 'pref-v.npy'),
      '--backend',
      'web-webgpu,js',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/voltages from js/)
    expect(oneLine(r.stderr)).toMatch(/^leaky: note: passed over web-webgpu: /)
  })
})
