/**
 * .npy against NumPy itself (the pinned numpy of scripts/python/requirements.txt): every layout
 * leaky accepts, as numpy.save writes it, loads to NumPy's values; and every file leaky writes
 * (writeNpy, and createNpyFile by slices) is byte for byte what numpy.save writes for that array.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { python, pythonMissing, pythonRequired, runPython } from '../../../scripts/python/python.js'
import { readNpy, writeNpy } from '../src/index.js'
import { createNpyFile } from '../src/node.js'

const script = fileURLToPath(new URL('./python/npy_numpy.py', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'leaky-npy-numpy-'))

interface Saved {
  readonly name: string
  readonly shape: number[]
  readonly dtype: string
  readonly version: [number, number] | null
}

/** Bit patterns, so NaN equals NaN and -0 differs from 0. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))

describe.skipIf(!python)('numpy.save files load in leaky', () => {
  const dir = join(scratch, 'numpy')
  let saved: Saved[] = []
  beforeAll(() => {
    runPython(script, ['save', dir])
    saved = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  })
  it('numpy wrote every layout', () => {
    expect(saved.map((s) => s.name)).toContain('f32_v3')
    expect(saved.length).toBeGreaterThanOrEqual(14)
  })
  it.each([
    'f32_3x4',
    'f32_0d',
    'f32_1d',
    'f32_empty_0',
    'f32_empty_2x0x3',
    'f32_T_batch_N',
    'f32_special',
    'f64_2x3',
    'f64_special',
    'f32_v2',
    'f32_v3',
    'f64_v2',
    'f32_le_explicit',
    'f32_long',
  ])('%s: the shape and float32 values numpy holds', (name) => {
    const s = saved.find((x) => x.name === name) as Saved
    expect(s, name).toBeDefined()
    const t = readNpy(readFileSync(join(dir, `${name}.npy`)))
    const raw = readFileSync(join(dir, `${name}.f32`))
    const want = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4)
    expect(t.shape).toEqual(s.shape)
    expect(t.storedAs).toBe(s.dtype === 'float64' ? 'float64' : 'float32')
    expect(bits(t.data)).toEqual(bits(want))
  })
})

describe.skipIf(!python)("leaky's .npy files are numpy.save's bytes", () => {
  const dir = join(scratch, 'leaky')
  const arrays: [string, number[]][] = [
    ['scalar', []],
    ['one', [1]],
    ['vector', [7]],
    ['empty', [0]],
    ['empty3', [2, 0, 3]],
    ['matrix', [3, 4]],
    ['sequence', [6, 2, 3, 4]],
    ['long', [123457, 1]],
    ['padding_edge', [10000000000, 0]],
  ]
  let verdicts: Record<
    string,
    { identical: boolean; loads: boolean; numpyBytes: number; leakyBytes: number }
  > = {}
  beforeAll(async () => {
    mkdirSync(dir)
    let seed = 1
    for (const [name, shape] of arrays) {
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
        seed = (seed * 48271) % 2147483647
        return seed / 2147483647 - 0.5
      })
      if (name === 'vector') data.set([Number.NaN, Number.POSITIVE_INFINITY, -0])
      writeFileSync(join(dir, `${name}.leaky.npy`), writeNpy({ data, shape }))
      writeFileSync(join(dir, `${name}.raw`), new Uint8Array(data.buffer))
      writeFileSync(join(dir, `${name}.shape.json`), JSON.stringify(shape))
      // The same array streamed by createNpyFile, one first-axis row at a time.
      if (shape.length > 1 && (shape[0] as number) < 1000 && data.length > 0) {
        const w = await createNpyFile(join(dir, `${name}_streamed.leaky.npy`), shape)
        const row = data.length / (shape[0] as number)
        for (let t = 0; t < (shape[0] as number); t++) await w.append(data.subarray(t * row, (t + 1) * row))
        await w.close()
        writeFileSync(join(dir, `${name}_streamed.raw`), new Uint8Array(data.buffer))
        writeFileSync(join(dir, `${name}_streamed.shape.json`), JSON.stringify(shape))
      }
    }
    const lines = runPython(script, ['check', dir]).trim().split('\n')
    verdicts = Object.fromEntries(lines.map((l) => JSON.parse(l)).map((v) => [v.name, v]))
  })
  const names = [...arrays.map(([n]) => n), ...['matrix', 'sequence'].map((n) => `${n}_streamed`)]
  it.each(names)('%s: byte-identical to numpy.save, and numpy.load reads it back', (name) => {
    const v = verdicts[name]
    expect(v, `numpy checked ${name}`).toBeDefined()
    expect(v?.leakyBytes).toBe(v?.numpyBytes)
    expect(v?.identical).toBe(true)
    expect(v?.loads).toBe(true)
  })
})

if (!python)
  describe('Python tools', () => {
    it.skipIf(!pythonRequired)(`${pythonMissing} (required under CI)`, () => {
      throw new Error(`${pythonMissing}: CI must run the Python-tool tests`)
    })
  })
