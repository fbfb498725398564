import { readdirSync, readFileSync } from 'node:fs'
import { FormatError, NORSE_DEFAULTS, resolveSpec, ShapeError, simulate } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { readNpy, writeNpy } from './npy.js'
import { blobSource, memorySource, openNpy } from './stream.js'

const dir = new URL('../../fixtures/npy/', import.meta.url)
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)))

describe('readNpy on files NumPy wrote', () => {
  it('reads float32 in header versions 1.0, 2.0 and 3.0 to the same array', () => {
    const v1 = readNpy(fixture('f32_3x4.npy'))
    expect(v1.shape).toEqual([3, 4])
    expect(v1.storedAs).toBe('float32')
    expect(fixture('f32_3x4_v2.npy')[6]).toBe(2)
    expect(fixture('f32_3x4_v3.npy')[6]).toBe(3)
    for (const name of ['f32_3x4_v2.npy', 'f32_3x4_v3.npy']) {
      const other = readNpy(fixture(name))
      expect(other.shape).toEqual([3, 4])
      expect(other.data).toEqual(v1.data)
    }
  })

  it('reads 1-d, 0-d and empty arrays', () => {
    expect(readNpy(fixture('f32_5.npy')).data).toEqual(
      Float32Array.from([0, 1, 2, 3, 4], (x) => Math.fround(x / 3)),
    )
    const scalar = readNpy(fixture('f32_scalar.npy'))
    expect(scalar.shape).toEqual([])
    expect(Array.from(scalar.data)).toEqual([1.5])
    expect(readNpy(fixture('f32_shape_2x0x3.npy')).data.length).toBe(0)
  })

  it('rounds float64 to the nearest float32, explicitly', () => {
    const a = readNpy(fixture('f64_2x3.npy'))
    expect(a.storedAs).toBe('float64')
    const bytes = fixture('f64_2x3.npy')
    const view = new DataView(bytes.buffer, bytes.byteOffset + 128)
    for (let k = 0; k < 6; k++) expect(a.data[k]).toBe(Math.fround(view.getFloat64(k * 8, true)))
  })

  it('accepts an ArrayBuffer as well as a Uint8Array', () => {
    const bytes = fixture('f32_3x4.npy')
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
    expect(readNpy(buffer).data).toEqual(readNpy(bytes).data)
  })

  it.each([
    ['f32_fortran.npy', /Fortran-order/],
    ['f32_bigendian.npy', /big-endian/],
    ['i32_3x4.npy', /dtype '<i4' is not supported/],
  ])('rejects %s with a FormatError naming the problem', (name, message) => {
    expect(() => readNpy(fixture(name))).toThrow(FormatError)
    expect(() => readNpy(fixture(name))).toThrow(message)
  })

  it('rejects bad magic, truncated data, trailing bytes and object arrays', () => {
    const good = fixture('f32_3x4.npy')
    const bad = good.slice()
    bad[1] = 0x4f
    expect(() => readNpy(bad)).toThrow(/bad magic/)
    expect(() => readNpy(good.subarray(0, good.length - 1))).toThrow(/truncated/)
    expect(() => readNpy(good.subarray(0, 50))).toThrow(/ends inside the header/)
    expect(() => readNpy(new Uint8Array([...good, 0]))).toThrow(/after the data/)
    const object = good.slice()
    object.set(new TextEncoder().encode("'|O', "), 20) // descr '<f4', -> '|O',  (same length)
    expect(() => readNpy(object)).toThrow(/object arrays/)
  })

  it('rejects a negative dimension (NumPy never writes one) as a FormatError, even when the sizes cancel', () => {
    const text = new TextDecoder('latin1').decode(fixture('f32_3x4.npy'))
    // (-3, -4) claims 12 elements, as many as the data holds: only the sign check catches it.
    for (const shape of ['(3, -4),}', '(-3,-4),}']) {
      const bytes = Uint8Array.from(text.replace("'shape': (3, 4), }", `'shape': ${shape}`), (c) =>
        c.charCodeAt(0),
      )
      expect(() => readNpy(bytes)).toThrow(FormatError)
      expect(() => readNpy(bytes)).toThrow(/has a dimension -[34]: dimensions are whole numbers/)
    }
  })
})

describe('writeNpy', () => {
  it('writes float32 byte for byte as NumPy does (version 1.0, padded to 64 bytes)', () => {
    const names = readdirSync(dir).filter((n) => n.startsWith('f32_') && !/fortran|bigendian|v2|v3/.test(n))
    expect(names.length).toBeGreaterThanOrEqual(7)
    for (const name of [...names, 'ff_random_input_voltages.npy']) {
      const bytes = fixture(name)
      expect(Buffer.from(writeNpy(readNpy(bytes))).equals(Buffer.from(bytes)), name).toBe(true)
    }
  })

  it('pads a header that would end on the 64-byte boundary by a full 64 bytes, as NumPy', () => {
    const bytes = fixture('f32_shape_0x0x0x0x0x0x0x100x1000x1000x1000.npy')
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true) + 10).toBe(192)
    expect(Buffer.from(writeNpy(readNpy(bytes))).equals(Buffer.from(bytes))).toBe(true)
  })
})

describe('openNpy (streaming)', () => {
  it('reads any slice of steps equal to the same rows of the whole array', async () => {
    for (const name of ['ff_random_input.npy', 'ff_random_input_voltages.npy']) {
      const bytes = fixture(name)
      const whole = readNpy(bytes)
      const stream = await openNpy(memorySource(bytes))
      expect(stream.steps).toBe(200)
      expect(stream.stepShape).toEqual([37])
      for (const [t0, t1] of [
        [0, 200],
        [0, 1],
        [17, 64],
        [199, 200],
        [50, 50],
      ] as const) {
        const part = await stream.readSteps(t0, t1)
        expect(part.shape).toEqual([t1 - t0, 37])
        expect(part.data).toEqual(whole.data.subarray(t0 * 37, t1 * 37))
      }
      await expect(stream.readSteps(0, 201)).rejects.toThrow(ShapeError)
      await stream.close()
    }
  })

  it('streams from a Blob (a browser File) the same rows', async () => {
    const bytes = fixture('ff_random_input.npy')
    const stream = await openNpy(blobSource(new Blob([bytes])))
    const part = await stream.readSteps(10, 20)
    expect(part.data).toEqual(readNpy(bytes).data.subarray(370, 740))
  })

  it('rejects a truncated file when it opens, before reading any data', async () => {
    const bytes = fixture('ff_random_input.npy')
    await expect(openNpy(memorySource(bytes.subarray(0, bytes.length - 8)))).rejects.toThrow(/truncated/)
    await expect(openNpy(memorySource(bytes.subarray(0, 5)))).rejects.toThrow(FormatError)
  })
})

describe('the golden case ff_random_input as .npy', () => {
  it('runs to Norse voltages on the js math', () => {
    const meta = JSON.parse(readFileSync(new URL('ff_random_input.json', dir), 'utf8'))
    const input = readNpy(fixture('ff_random_input.npy'))
    expect(input.storedAs).toBe('float64')
    const expected = readNpy(fixture('ff_random_input_voltages.npy'))
    const spec = resolveSpec({
      neurons: 37,
      dt: meta.dt,
      params: {
        tauSynInv: meta.p.tau_syn_inv.data[0],
        tauMemInv: meta.p.tau_mem_inv.data[0],
        vLeak: meta.p.v_leak.data[0],
      },
    })
    expect(spec.params.tauSynInv).toBe(NORSE_DEFAULTS.tauSynInv)
    const { voltages } = simulate(spec, input)
    let error = 0
    let scale = 1
    for (let k = 0; k < expected.data.length; k++) {
      error = Math.max(error, Math.abs((voltages.data[k] as number) - (expected.data[k] as number)))
      scale = Math.max(scale, Math.abs(expected.data[k] as number))
    }
    expect(error / scale).toBeLessThanOrEqual(1e-5)
  })
})

describe('openNpyFile (node)', () => {
  it('streams slices from disk equal to reading the whole file', async () => {
    const { openNpyFile, readNpyFile } = await import('../node.js')
    const path = new URL('ff_random_input_voltages.npy', dir).pathname
    const whole = await readNpyFile(path)
    const stream = await openNpyFile(path)
    const part = await stream.readSteps(100, 150)
    expect(part.data).toEqual(whole.data.subarray(100 * 37, 150 * 37))
    await stream.close()
  })
})

describe('createNpyFile (node, streaming writer)', () => {
  it('writes by slices the same bytes as writeNpy of the whole array, and checks the count', async () => {
    const { createNpyFile } = await import('../node.js')
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'leaky-npy-'))
    const whole = readNpy(fixture('ff_random_input_voltages.npy'))
    const path = join(dir, 'v.npy')
    const w = await createNpyFile(path, whole.shape)
    for (let t = 0; t < 200; t += 64) await w.append(whole.data.subarray(t * 37, Math.min(200, t + 64) * 37))
    await w.close()
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(writeNpy(whole)))).toBe(true)

    const short = await createNpyFile(join(dir, 'short.npy'), [2, 2])
    await short.append(Float32Array.of(1))
    await expect(short.append(new Float32Array(4))).rejects.toThrow(ShapeError)
    await expect(short.close()).rejects.toThrow(/wrote 1 values, the shape \(2, 2\) needs 4/)
  })

  it('npyHeader is the header writeNpy writes', async () => {
    const { npyHeader } = await import('../index.js')
    const t = { data: new Float32Array(6), shape: [2, 3] }
    const header = npyHeader(t.shape)
    expect(Buffer.from(writeNpy(t).subarray(0, header.length)).equals(Buffer.from(header))).toBe(true)
    expect(header.length % 64).toBe(0)
  })
})
