import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs'
import { extname } from 'node:path'
import { FormatError, type Shape, sizeOf, type Tensor } from '@leaky/core'

/**
 * Arrays in and out of the CLI, by file extension: `.json` ({ shape, data }) and `.npy` (NumPy).
 *
 * The .npy code here is deliberately minimal — little-endian float32/float64, C order, format
 * versions 1–3 — until @leaky/interop (a tested reader/writer with NumPy-written fixtures and a
 * streaming reader) lands in this branch; then `openNpy`/`NpyWriter` below should be swapped for
 * its readNpy/writeNpy/openNpy and this file keeps only the extension dispatch.
 * float64 is rounded to float32 on reading (leaky computes in float32, as Norse's golden runs do).
 */

/** A time-first array read slice by slice: rows are indices of the first axis. */
export interface ArrayReader {
  readonly shape: Shape
  /** Rows [from, to) of the first axis, as float32. */
  read(from: number, to: number): Float32Array
  close(): void
}

const MAGIC = '\x93NUMPY'

interface NpyHeader {
  readonly dtype: 'f4' | 'f8'
  readonly shape: Shape
  readonly dataOffset: number
}

function parseNpyHeader(head: Buffer, path: string): NpyHeader {
  if (head.length < 10 || head.toString('latin1', 0, 6) !== MAGIC)
    throw new FormatError(`${path} is not a .npy file (bad magic)`)
  const major = head[6] as number
  if (major < 1 || major > 3) throw new FormatError(`${path}: .npy format version ${major} is not supported`)
  const lengthBytes = major === 1 ? 2 : 4
  const start = 8 + lengthBytes
  const length = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8)
  if (head.length < start + length) throw new FormatError(`${path}: truncated .npy header`)
  const text = head.toString(major === 3 ? 'utf8' : 'latin1', start, start + length)
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new FormatError(`${path}: cannot parse the .npy header ${JSON.stringify(text.trim())}`)
  if (descr !== '<f4' && descr !== '<f8')
    throw new FormatError(`${path}: dtype ${descr} is not supported; save float32 or float64 (little-endian)`)
  if (fortran === 'True')
    throw new FormatError(`${path}: Fortran-order arrays are not supported; save C order`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number)
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new FormatError(`${path}: bad shape (${shapeText}) in the .npy header`)
  return { dtype: descr === '<f4' ? 'f4' : 'f8', shape, dataOffset: start + length }
}

/** Opens a .npy file for reading by slices of the first axis, with positioned reads (one slice in memory). */
export function openNpy(path: string): ArrayReader {
  const fd = openFile(path)
  try {
    const head = Buffer.alloc(65_536 + 12)
    const got = readSync(fd, head, 0, head.length, 0)
    const { dtype, shape, dataOffset } = parseNpyHeader(head.subarray(0, got), path)
    const itemBytes = dtype === 'f4' ? 4 : 8
    const rowValues = shape.length === 0 ? 1 : sizeOf(shape.slice(1))
    const rows = shape.length === 0 ? 1 : (shape[0] as number)
    return {
      shape,
      read(from, to) {
        const count = (to - from) * rowValues
        const bytes = Buffer.alloc(count * itemBytes)
        const n = readSync(fd, bytes, 0, bytes.length, dataOffset + from * rowValues * itemBytes)
        if (n !== bytes.length || to > rows)
          throw new FormatError(`${path}: truncated .npy data (shape [${shape.join(', ')}])`)
        if (dtype === 'f4') return new Float32Array(bytes.buffer, bytes.byteOffset, count)
        return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, count))
      },
      close: () => closeSync(fd),
    }
  } catch (error) {
    closeSync(fd)
    throw error
  }
}

/** Writes a .npy (v1, little-endian float32, C order) slice by slice; the shape is known up front. */
export class NpyWriter {
  private readonly fd: number
  private written = 0
  private readonly expected: number
  constructor(
    private readonly path: string,
    readonly shape: Shape,
  ) {
    this.expected = sizeOf(shape)
    this.fd = openSync(path, 'w')
    writeSync(this.fd, npyHeader(shape))
  }
  append(data: Float32Array): void {
    writeSync(this.fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    this.written += data.length
  }
  close(): void {
    closeSync(this.fd)
    if (this.written !== this.expected)
      throw new FormatError(`${this.path}: wrote ${this.written} values, the shape needs ${this.expected}`)
  }
}

function npyHeader(shape: Shape): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`
  // magic(6) + version(2) + length(2) + dict + '\n', padded with spaces to a multiple of 64 (as numpy does).
  const unpadded = 10 + dict.length + 1
  dict += ' '.repeat((64 - (unpadded % 64)) % 64)
  const out = Buffer.alloc(10 + dict.length + 1)
  out.write(MAGIC, 0, 'latin1')
  out[6] = 1
  out[7] = 0
  out.writeUInt16LE(dict.length + 1, 8)
  out.write(`${dict}\n`, 10, 'latin1')
  return out
}

function openFile(path: string): number {
  try {
    return openSync(path, 'r')
  } catch (error) {
    throw new FormatError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
}

/** Parses { shape, data } (data flat, C order) into a float32 tensor; `what` names it in errors. */
export function tensorFromJson(value: unknown, what: string): Tensor {
  const v = value as { shape?: unknown; data?: unknown } | null
  if (typeof v !== 'object' || v === null || !Array.isArray(v.shape) || !Array.isArray(v.data))
    throw new FormatError(`${what}: expected { "shape": [...], "data": [...] }`)
  const shape = v.shape as unknown[]
  if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
    throw new FormatError(`${what}: shape must be whole numbers ≥ 0`)
  const data = v.data as unknown[]
  if (data.length !== sizeOf(shape as number[]))
    throw new FormatError(
      `${what}: shape [${shape.join(', ')}] needs ${sizeOf(shape as number[])} values, data has ${data.length}`,
    )
  if (!data.every((x) => typeof x === 'number'))
    throw new FormatError(`${what}: data must be numbers (flat, C order)`)
  return { data: Float32Array.from(data as number[]), shape: shape as number[] }
}

export function readJsonFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new FormatError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new FormatError(`${path} is not JSON: ${(error as Error).message}`)
  }
}

function kind(path: string): 'npy' | 'json' {
  const ext = extname(path).toLowerCase()
  if (ext === '.npy') return 'npy'
  if (ext === '.json') return 'json'
  throw new FormatError(`${path}: use a .npy or .json file (got "${ext || 'no extension'}")`)
}

/** Opens an array for reading by time slices: .npy streams from disk, .json is parsed whole. */
export function openArray(path: string): ArrayReader {
  if (kind(path) === 'npy') return openNpy(path)
  const t = tensorFromJson(readJsonFile(path), path)
  const rowValues = t.shape.length === 0 ? 1 : sizeOf(t.shape.slice(1))
  return {
    shape: t.shape,
    read: (from, to) => t.data.subarray(from * rowValues, to * rowValues),
    close: () => {},
  }
}

/** The whole array of a .npy or .json file, as float32. */
export function readArray(path: string): Tensor {
  const reader = openArray(path)
  try {
    const rows = reader.shape.length === 0 ? 1 : (reader.shape[0] as number)
    return { data: reader.read(0, rows), shape: reader.shape }
  } finally {
    reader.close()
  }
}

/** Writes a tensor as .npy (float32) or .json ({ shape, data }). */
export function writeArray(path: string, t: Tensor): void {
  if (kind(path) === 'npy') {
    const w = new NpyWriter(path, t.shape)
    w.append(t.data)
    w.close()
  } else {
    writeFileSync(path, `${JSON.stringify({ shape: t.shape, data: Array.from(t.data) })}\n`)
  }
}
