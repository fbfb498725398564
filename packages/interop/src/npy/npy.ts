import { FormatError, type Tensor } from '@leaky/core'
import { assertTensor } from '@leaky/core/backend'
import { bytesPerItem, formatHeader, type NpyDType, type NpyHeader, parseHeader } from './header.js'

/** Bytes in any of the forms files and fetches give them. */
export type BytesLike = Uint8Array | ArrayBuffer

export function asBytes(input: BytesLike): Uint8Array {
  if (input instanceof Uint8Array) return input
  if (input instanceof ArrayBuffer) return new Uint8Array(input)
  throw new FormatError('expected the file as a Uint8Array or an ArrayBuffer')
}

/** An array read from a .npy file, with the dtype the file stored (the data is always float32). */
export interface NpyArray extends Tensor {
  /** What the file held: float64 is converted to float32 (round to nearest), as leaky computes in float32. */
  readonly storedAs: NpyDType
}

/**
 * Reads a whole .npy file held in memory (browser or Node). float32 is copied as is; float64 is
 * rounded to the nearest float32 explicitly, here, because every leaky interface takes float32.
 */
export function readNpy(input: BytesLike): NpyArray {
  const bytes = asBytes(input)
  const header = parseHeader(bytes)
  const available = bytes.length - header.dataOffset
  if (available < header.dataBytes) {
    throw new FormatError(
      `.npy: truncated: shape (${header.shape.join(', ')}) ${header.dtype} needs ${header.dataBytes} bytes of data, the file has ${available}`,
    )
  }
  if (available > header.dataBytes) {
    throw new FormatError(
      `.npy: ${available - header.dataBytes} bytes after the data (corrupt file or not one array)`,
    )
  }
  const data = decodeData(
    bytes.subarray(header.dataOffset, header.dataOffset + header.dataBytes),
    header.dtype,
  )
  return { data, shape: [...header.shape], storedAs: header.dtype }
}

/**
 * Little-endian float32 or float64 bytes to a Float32Array. With `adopt`, float32 bytes that fill a
 * buffer of their own (a fresh read) become the array without a copy; otherwise the result is new.
 */
export function decodeData(raw: Uint8Array, dtype: NpyDType, adopt = false): Float32Array {
  const count = raw.length / bytesPerItem(dtype)
  if (dtype === 'float32' && LITTLE_ENDIAN_HOST && raw.byteOffset % 4 === 0) {
    if (adopt && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength)
      return new Float32Array(raw.buffer)
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length))
  }
  const out = new Float32Array(count)
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  if (dtype === 'float32') for (let k = 0; k < count; k++) out[k] = view.getFloat32(k * 4, true)
  else for (let k = 0; k < count; k++) out[k] = view.getFloat64(k * 8, true) // Float32Array rounds to nearest
  return out
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Writes a tensor as a version 1.0 float32 .npy file, byte for byte as numpy.save would. */
export function writeNpy(t: Tensor): Uint8Array {
  assertTensor(t, 'writeNpy')
  const header = formatHeader(t.shape)
  const out = new Uint8Array(header.length + t.data.length * 4)
  out.set(header)
  out.set(npyData(t.data), header.length)
  return out
}

/**
 * The data bytes of float32 values as a .npy stores them (little-endian, C order): for writers that
 * stream a file after npyHeader (the header alone). On a little-endian host this is a view of `data`, no copy.
 */
export function npyData(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const out = new Uint8Array(data.length * 4)
  const view = new DataView(out.buffer)
  for (let k = 0; k < data.length; k++) view.setFloat32(k * 4, data[k] as number, true)
  return out
}

export { type NpyDType, type NpyHeader, parseHeader }
