import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FormatError } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { NpyWriter, openArray, readArray, writeArray } from './io.js'

const dir = mkdtempSync(join(tmpdir(), 'leaky-io-'))

function npyBytes(header: string, payload: ArrayBufferView, major = 1): Buffer {
  const lengthBytes = major === 1 ? 2 : 4
  let h = header
  h += `${' '.repeat((64 - ((8 + lengthBytes + h.length + 1) % 64)) % 64)}\n`
  const head = Buffer.alloc(8 + lengthBytes + h.length)
  head.write('\x93NUMPY', 0, 'latin1')
  head[6] = major
  if (major === 1) head.writeUInt16LE(h.length, 8)
  else head.writeUInt32LE(h.length, 8)
  head.write(h, 8 + lengthBytes, 'latin1')
  return Buffer.concat([head, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)])
}

describe('io: .npy and .json arrays', () => {
  it('round-trips float32 through .npy (numpy.save layout) and .json', () => {
    const t = { data: Float32Array.from({ length: 12 }, (_, k) => k / 3 - 1), shape: [3, 4] }
    for (const name of ['a.npy', 'a.json']) {
      writeArray(join(dir, name), t)
      expect(readArray(join(dir, name))).toEqual(t)
    }
    const bytes = readFileSync(join(dir, 'a.npy'))
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('\x93NUMPY\x01\x00')
    expect((10 + bytes.readUInt16LE(8)) % 64).toBe(0)
    expect(bytes.toString('latin1', 10, 70)).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 4\), \}/,
    )
  })
  it('reads float64 (rounded to float32), v2 headers, 1-d shapes, and time slices', () => {
    const values = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    writeFileSync(
      join(dir, 'b.npy'),
      npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", values, 2),
    )
    const reader = openArray(join(dir, 'b.npy'))
    expect(reader.shape).toEqual([3, 2])
    expect(reader.read(1, 3)).toEqual(Float32Array.from([0.3, 0.4, 0.5, 0.6]))
    reader.close()
    writeFileSync(
      join(dir, 'c.npy'),
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Float32Array.from([1, 2])),
    )
    expect(readArray(join(dir, 'c.npy'))).toEqual({ data: Float32Array.from([1, 2]), shape: [2] })
  })
  it('writes by slices and checks the count', () => {
    const w = new NpyWriter(join(dir, 'd.npy'), [2, 2])
    w.append(Float32Array.from([1, 2]))
    w.append(Float32Array.from([3, 4]))
    w.close()
    expect(readArray(join(dir, 'd.npy')).data).toEqual(Float32Array.from([1, 2, 3, 4]))
    const short = new NpyWriter(join(dir, 'e.npy'), [2, 2])
    short.append(Float32Array.from([1]))
    expect(() => short.close()).toThrow(/wrote 1 values, the shape needs 4/)
  })
  it.each([
    ['Fortran order', "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", /Fortran-order/],
    ['int64', "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", /dtype <i8 is not supported/],
    ['big-endian', "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", /dtype >f4/],
    ['a truncated payload', "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", /truncated/],
  ])('rejects %s with a FormatError', (_, header, message) => {
    writeFileSync(join(dir, 'bad.npy'), npyBytes(header, new Float64Array(1)))
    expect(() => readArray(join(dir, 'bad.npy'))).toThrow(FormatError)
    expect(() => readArray(join(dir, 'bad.npy'))).toThrow(message)
  })
  it('rejects bad magic, bad JSON arrays and unknown extensions', () => {
    writeFileSync(join(dir, 'x.npy'), 'not numpy at all')
    expect(() => readArray(join(dir, 'x.npy'))).toThrow(/bad magic/)
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ shape: [2, 2], data: [1, 2, 3] }))
    expect(() => readArray(join(dir, 'x.json'))).toThrow(/needs 4 values, data has 3/)
    expect(() => readArray(join(dir, 'x.csv'))).toThrow(/use a .npy or .json file/)
  })
})
