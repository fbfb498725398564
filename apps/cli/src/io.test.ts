import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FormatError } from '@leaky/core'
import { writeNpy } from '@leaky/interop'
import { describe, expect, it } from 'vitest'
import { openArray, readArray, writeArray } from './io.js'

/**
 * The CLI's file dispatch. The .npy format itself (versions, dtypes, every malformed header) is
 * tested in @leaky/interop against NumPy-written fixtures; here: the extension picks the format,
 * slices stream, and every error names the file.
 */
const dir = mkdtempSync(join(tmpdir(), 'leaky-io-'))

describe('io: .npy and .json arrays', () => {
  it('round-trips float32 through .npy (numpy.save bytes) and .json', async () => {
    const t = { data: Float32Array.from({ length: 12 }, (_, k) => k / 3 - 1), shape: [3, 4] }
    for (const name of ['a.npy', 'a.json']) {
      await writeArray(join(dir, name), t)
      expect(await readArray(join(dir, name))).toEqual(t)
    }
    expect(Buffer.from(readFileSync(join(dir, 'a.npy'))).equals(Buffer.from(writeNpy(t)))).toBe(true)
  })
  it('reads time slices of both formats', async () => {
    const t = { data: Float32Array.from({ length: 12 }, (_, k) => k), shape: [4, 3] }
    for (const name of ['s.npy', 's.json']) {
      await writeArray(join(dir, name), t)
      const reader = await openArray(join(dir, name))
      expect(reader.shape).toEqual([4, 3])
      expect(await reader.read(1, 3)).toEqual(t.data.subarray(3, 9))
      await reader.close()
    }
  })
  it('names the file in .npy format errors, as FormatError', async () => {
    writeFileSync(join(dir, 'x.npy'), 'not numpy at all')
    await expect(readArray(join(dir, 'x.npy'))).rejects.toThrow(FormatError)
    await expect(readArray(join(dir, 'x.npy'))).rejects.toThrow(/x\.npy: bad magic/)
    await expect(openArray(join(dir, 'x.npy'))).rejects.toThrow(/x\.npy: bad magic/)
    await expect(openArray(join(dir, 'missing.npy'))).rejects.toThrow(/cannot read .*missing\.npy: ENOENT/)
  })
  it('rejects bad JSON arrays and unknown extensions', async () => {
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ shape: [2, 2], data: [1, 2, 3] }))
    await expect(readArray(join(dir, 'x.json'))).rejects.toThrow(/needs 4 values, data has 3/)
    await expect(readArray(join(dir, 'x.csv'))).rejects.toThrow(/use a .npy or .json file/)
  })
})
