import { FormatError, ShapeError, type Tensor } from '@leaky/core'
import { bytesPerItem, headerLength, type NpyHeader, parseHeader } from './header.js'
import { decodeData } from './npy.js'

/**
 * Random access to bytes that need not be in memory: a file (see @leaky/interop/node) or, in a browser,
 * a Blob. `read` may return fewer bytes only at the end of the source.
 */
export interface ByteSource {
  readonly size: number
  /** Reads `length` bytes at `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>
  /** Releases the source (closes a file). */
  close?(): Promise<void>
}

/** A .npy file opened for reading along its first (time) axis, without loading all of it. */
export interface NpyStream {
  readonly header: NpyHeader
  /** The first dimension: time steps for a time-first [T, ...batch, N] input. */
  readonly steps: number
  /** The shape of one time step (the shape without its first axis). */
  readonly stepShape: readonly number[]
  /** Steps [t0, t1) as float32 [t1 - t0, ...stepShape]; float64 files are rounded to float32. */
  readSteps(t0: number, t1: number): Promise<Tensor>
  /** Closes the stream and its source. */
  close(): Promise<void>
}

/** Reads the header (two small reads) and checks the source holds exactly the data it promises. */
export async function openNpy(source: ByteSource): Promise<NpyStream> {
  const prefix = await source.read(0, Math.min(12, source.size))
  const end = headerLength(prefix)
  if (end > source.size)
    throw new FormatError(`.npy: file ends inside the header (${source.size} of ${end} bytes)`)
  const header = parseHeader(await source.read(0, end))
  if (header.shape.length === 0) throw new ShapeError('.npy: a 0-d array has no time axis to stream')
  const have = source.size - header.dataOffset
  if (have !== header.dataBytes) {
    throw new FormatError(
      have < header.dataBytes
        ? `.npy: truncated: shape (${header.shape.join(', ')}) ${header.dtype} needs ${header.dataBytes} bytes of data, the file has ${have}`
        : `.npy: ${have - header.dataBytes} bytes after the data (corrupt file or not one array)`,
    )
  }
  const steps = header.shape[0] as number
  const stepShape = header.shape.slice(1)
  const item = bytesPerItem(header.dtype)
  const stepElements = stepShape.reduce((a, b) => a * b, 1)
  return {
    header,
    steps,
    stepShape,
    async readSteps(t0, t1) {
      if (!Number.isInteger(t0) || !Number.isInteger(t1) || t0 < 0 || t1 < t0 || t1 > steps) {
        throw new ShapeError(`readSteps(${t0}, ${t1}): need integers 0 <= t0 <= t1 <= ${steps}`)
      }
      const length = (t1 - t0) * stepElements * item
      const raw = await source.read(header.dataOffset + t0 * stepElements * item, length)
      if (raw.length !== length)
        throw new FormatError(`.npy: file shrank while reading (got ${raw.length} of ${length} bytes)`)
      const shape = [t1 - t0, ...stepShape]
      // A fresh read of float32 becomes the tensor's data as is: one copy, from the file to the array.
      return { data: decodeData(raw, header.dtype, true), shape }
    },
    async close() {
      await source.close?.()
    },
  }
}

/** A ByteSource over bytes already in memory (tests, or a fetched file). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(offset, length) {
      return bytes.slice(offset, offset + length)
    },
  }
}

/** A ByteSource over a Blob or File (a browser's <input type=file>): each read slices the Blob. */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    async read(offset, length) {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer())
    },
  }
}
