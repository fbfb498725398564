import { FormatError } from '@leaky/core'

/**
 * The NumPy .npy header (numpy/lib/format.py, "NPY format"): magic, version, a little-endian header
 * length (uint16 for 1.0, uint32 for 2.0 and 3.0), then a Python dict literal padded with spaces and
 * ended by '\n'. Leaky reads and writes only what it computes with: little-endian float32 and float64
 * in C order.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY
/** The part before the dict: magic (6), version (2), the length field (2 or 4). */
const PREFIX_V1 = 10
const PREFIX_V2 = 12
/** A header larger than this is not a header (NumPy itself refuses over 10000 bytes unless told). */
const MAX_HEADER = 1 << 20

/** The element types leaky reads from .npy files. */
export type NpyDType = 'float32' | 'float64'

/** A parsed .npy header: element type, shape and where the data starts. */
export interface NpyHeader {
  /** 1, 2 or 3 (the major version). */
  readonly version: 1 | 2 | 3
  readonly dtype: NpyDType
  readonly shape: readonly number[]
  /** Where the data starts, in bytes from the start of the file. */
  readonly dataOffset: number
  /** Bytes of data the header promises (elements × item size). */
  readonly dataBytes: number
}

export function bytesPerItem(dtype: NpyDType): number {
  return dtype === 'float32' ? 4 : 8
}

/**
 * How many bytes to read before the header can be parsed: answers from the first bytes only, so a
 * streaming reader can fetch the prefix, then exactly the header. `prefix` needs 12 bytes (or fewer
 * for a file that short: that is then a FormatError).
 */
export function headerLength(prefix: Uint8Array): number {
  if (prefix.length < PREFIX_V1)
    throw new FormatError(`.npy: file has ${prefix.length} bytes, too short for a header`)
  for (let k = 0; k < MAGIC.length; k++) {
    if (prefix[k] !== MAGIC[k]) throw new FormatError('.npy: bad magic (a .npy file starts with \\x93NUMPY)')
  }
  const major = prefix[6] as number
  const minor = prefix[7] as number
  if (major < 1 || major > 3 || minor !== 0) {
    throw new FormatError(`.npy: format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`)
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength)
  if (major === 1) return PREFIX_V1 + view.getUint16(8, true)
  if (prefix.length < PREFIX_V2) throw new FormatError('.npy: file ends inside the header length')
  const length = view.getUint32(8, true)
  if (length > MAX_HEADER)
    throw new FormatError(`.npy: header length ${length} is implausible (corrupt file?)`)
  return PREFIX_V2 + length
}

/** Parses the header at the start of `bytes` (which must hold at least headerLength(bytes) bytes). */
export function parseHeader(bytes: Uint8Array): NpyHeader {
  const end = headerLength(bytes)
  if (bytes.length < end)
    throw new FormatError(`.npy: file ends inside the header (${bytes.length} of ${end} bytes)`)
  const version = bytes[6] as 1 | 2 | 3
  const start = version === 1 ? PREFIX_V1 : PREFIX_V2
  // 1.0 and 2.0 headers are latin1 (in practice ASCII); 3.0 allows utf8 (structured field names).
  const text = new TextDecoder(version === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(
    bytes.subarray(start, end),
  )
  if (!text.endsWith('\n'))
    throw new FormatError('.npy: header does not end with a newline (truncated or corrupt)')
  const dict = parseDict(text)
  for (const key of Object.keys(dict)) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') {
      throw new FormatError(`.npy: unexpected header key '${key}'`)
    }
  }
  const { descr, fortran_order: fortran, shape } = dict
  if (typeof descr !== 'string') {
    throw new FormatError(
      Array.isArray(descr)
        ? '.npy: structured arrays (a list descr) are not supported: leaky reads float32 or float64'
        : `.npy: header has no 'descr' string`,
    )
  }
  if (typeof fortran !== 'boolean') throw new FormatError(`.npy: header has no boolean 'fortran_order'`)
  if (fortran) {
    throw new FormatError(
      '.npy: Fortran-order (column-major) arrays are not supported: save with C order (np.ascontiguousarray)',
    )
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) {
    throw new FormatError(`.npy: header has no 'shape' tuple of integers`)
  }
  const dtype = parseDescr(descr)
  const dims = shape as number[]
  const bad = dims.find((d) => !Number.isSafeInteger(d) || d < 0)
  if (bad !== undefined)
    throw new FormatError(
      `.npy: shape (${dims.join(', ')}) has a dimension ${bad}: dimensions are whole numbers ≥ 0`,
    )
  let elements = 1
  for (const d of dims) elements *= d
  if (!Number.isSafeInteger(elements * bytesPerItem(dtype))) {
    throw new FormatError(`.npy: shape (${dims.join(', ')}) is too large`)
  }
  return { version, dtype, shape: dims, dataOffset: end, dataBytes: elements * bytesPerItem(dtype) }
}

function parseDescr(descr: string): NpyDType {
  if (descr === '<f4') return 'float32'
  if (descr === '<f8') return 'float64'
  if (descr === '>f4' || descr === '>f8') {
    throw new FormatError(
      `.npy: big-endian data ('${descr}') is not supported: save little-endian (arr.astype('<f4'))`,
    )
  }
  if (descr.startsWith('|O') || descr === 'O')
    throw new FormatError('.npy: object arrays (pickled Python objects) are not supported')
  throw new FormatError(
    `.npy: dtype '${descr}' is not supported: leaky reads float32 ('<f4') or float64 ('<f8')`,
  )
}

type PyValue = string | number | boolean | PyValue[] | { [key: string]: PyValue }

/** The subset of Python literals NumPy writes in a header: a dict of strings, booleans, ints and tuples. */
function parseDict(text: string): Record<string, PyValue> {
  let pos = 0
  const fail = (what: string): never => {
    throw new FormatError(
      `.npy: header is not a valid dict (${what} at character ${pos}): ${JSON.stringify(text.slice(0, 80))}`,
    )
  }
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++
  }
  const value = (depth: number): PyValue => {
    if (depth > 8) fail('nesting too deep')
    skipSpace()
    const c = text[pos]
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, pos + 1)
      if (close < 0) fail('unterminated string')
      const s = text.slice(pos + 1, close)
      pos = close + 1
      return s
    }
    if (c === '(' || c === '[') return sequence(c === '(' ? ')' : ']', depth)
    if (c === '{') return dict(depth)
    const word = /^(True|False|-?\d+)/.exec(text.slice(pos, pos + 32))?.[0]
    if (word === undefined) return fail('unexpected token')
    pos += word.length
    if (word === 'True' || word === 'False') return word === 'True'
    // Python ints may carry an L suffix from Python 2 writers.
    if (text[pos] === 'L') pos++
    return Number(word)
  }
  const sequence = (close: string, depth: number): PyValue[] => {
    pos++
    const items: PyValue[] = []
    for (;;) {
      skipSpace()
      if (text[pos] === close) break
      items.push(value(depth + 1))
      skipSpace()
      if (text[pos] === ',') pos++
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`)
    }
    pos++
    return items
  }
  const dict = (depth: number): Record<string, PyValue> => {
    pos++
    const out: Record<string, PyValue> = {}
    for (;;) {
      skipSpace()
      if (text[pos] === '}') break
      const key = value(depth + 1)
      if (typeof key !== 'string') fail('dict key is not a string')
      skipSpace()
      if (text[pos] !== ':') fail("expected ':'")
      pos++
      out[key as string] = value(depth + 1)
      skipSpace()
      if (text[pos] === ',') pos++
      else if (text[pos] !== '}') fail("expected ',' or '}'")
    }
    pos++
    return out
  }
  skipSpace()
  if (text[pos] !== '{') fail('expected a dict')
  const result = dict(0)
  skipSpace()
  if (pos !== text.length) fail('trailing characters')
  return result
}

/** NumPy leaves this many characters of room after the shape so a file can grow along its first axis. */
const GROWTH_AXIS_MAX_DIGITS = 21
const ALIGN = 64

/**
 * A version 1.0 header for float32 data, byte for byte as numpy.save writes it: keys sorted, room for
 * the first dimension to grow, padded with spaces to a multiple of 64 bytes, ended by '\n'.
 */
export function formatHeader(shape: readonly number[]): Uint8Array {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeRepr}, }`
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length)
  const unpadded = PREFIX_V1 + dict.length + 1
  // As NumPy: a header that would end exactly on the boundary still gets a full 64 bytes of padding.
  const text = `${dict}${' '.repeat(ALIGN - (unpadded % ALIGN))}\n`
  if (text.length > 0xffff) throw new FormatError('.npy: shape too long for a version 1.0 header')
  const out = new Uint8Array(PREFIX_V1 + text.length)
  out.set(MAGIC)
  out[6] = 1
  out[7] = 0
  new DataView(out.buffer).setUint16(8, text.length, true)
  for (let k = 0; k < text.length; k++) out[PREFIX_V1 + k] = text.charCodeAt(k)
  return out
}
