/**
 * Node-only helpers: files on disk. The rest of @leaky/interop works on bytes and runs in browsers too.
 */
import { type FileHandle, open, writeFile } from 'node:fs/promises'
import { FormatError, ShapeError, type Tensor } from '@leaky/core'
import type { WriteOptions } from './hdf5/h5wasm.js'
import { type DecodeOptions, decodeH5InWorker } from './hdf5/worker-client.js'
import { type NirDocument, parseNir } from './nir/graph.js'
import { writeNir } from './nir/io.js'
import { formatHeader as npyHeader } from './npy/header.js'
import { type NpyArray, npyData, readNpy, writeNpy } from './npy/npy.js'
import { type ByteSource, type NpyStream, openNpy } from './npy/stream.js'

/**
 * Opens `path` for reading and checks, on the open file, that it is a regular file: a device
 * (/dev/zero) or a pipe has no size and would be read until memory runs out.
 */
async function openRegular(path: string): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(path, 'r')
  const s = await handle.stat()
  if (!s.isFile()) {
    await handle.close()
    throw new FormatError(`${path} is not a regular file (a device, a pipe or a folder)`)
  }
  return { handle, size: s.size }
}

/** The whole of a regular file (its size read once, on the open file). */
async function readRegular(path: string): Promise<Uint8Array> {
  const { handle, size } = await openRegular(path)
  try {
    const out = new Uint8Array(size)
    let filled = 0
    while (filled < size) {
      const { bytesRead } = await handle.read(out, filled, size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return filled === size ? out : out.subarray(0, filled)
  } finally {
    await handle.close()
  }
}

/** Reads a whole .npy file. */
export async function readNpyFile(path: string): Promise<NpyArray> {
  return readNpy(await readRegular(path))
}

/** Writes a tensor to a .npy file (float32). */
export async function writeNpyFile(path: string, t: Tensor): Promise<void> {
  await writeFile(path, writeNpy(t))
}

/** A .npy file written a slice at a time (float32, version 1.0, as numpy.save), its shape known up front. */
export interface NpyFileWriter {
  readonly path: string
  readonly shape: readonly number[]
  /** Appends the next values in C order (e.g. the next time steps); more than the shape holds is a ShapeError. */
  append(data: Float32Array): Promise<void>
  /** Closes the file; a FormatError if fewer values were appended than the shape needs. */
  close(): Promise<void>
}

/**
 * Creates `path` and writes the header for `shape`: the data then streams in with append(), so an
 * array larger than memory can be written by time slices. The bytes equal writeNpy of the whole array.
 */
export async function createNpyFile(path: string, shape: readonly number[]): Promise<NpyFileWriter> {
  const header = npyHeader(shape)
  const expected = shape.reduce((a, b) => a * b, 1)
  const handle = await open(path, 'w')
  let written = 0
  let closed = false
  try {
    await handle.write(header)
  } catch (error) {
    await handle.close()
    throw error
  }
  return {
    path,
    shape: [...shape],
    async append(data) {
      if (closed) throw new FormatError(`${path}: append after close`)
      if (written + data.length > expected) {
        throw new ShapeError(
          `${path}: appending ${data.length} values would pass the ${expected} the shape (${shape.join(', ')}) holds (${written} written)`,
        )
      }
      const bytes = npyData(data)
      let at = 0
      while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten
      written += data.length
    },
    async close() {
      if (closed) return
      closed = true
      await handle.close()
      if (written !== expected)
        throw new FormatError(
          `${path}: wrote ${written} values, the shape (${shape.join(', ')}) needs ${expected}`,
        )
    },
  }
}

/** A file as a ByteSource: each read is one positioned read (fs.read with an offset) into a fresh buffer. */
export async function fileSource(path: string): Promise<ByteSource> {
  const { handle, size } = await openRegular(path)
  return {
    size,
    async read(offset, length) {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)))
      let filled = 0
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, offset + filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      return filled === out.length ? out : out.subarray(0, filled)
    },
    close: () => handle.close(),
  }
}

/** Opens a .npy file for reading time-slices [t0, t1) without loading the whole file. */
export async function openNpyFile(path: string): Promise<NpyStream> {
  const source = await fileSource(path)
  try {
    return await openNpy(source)
  } catch (error) {
    await source.close?.()
    throw error
  }
}

/**
 * Reads a .nir file from memory with HDF5 decoding in a worker thread: a damaged file becomes a
 * FormatError after at most `timeoutMs`, never a hang or a crash of this process.
 */
export async function readNirBytes(input: Uint8Array, options: DecodeOptions = {}): Promise<NirDocument> {
  return parseNir(await decodeH5InWorker(input, options))
}

/** Reads and decodes a .nir file. */
export async function readNirFile(path: string, options: DecodeOptions = {}): Promise<NirDocument> {
  return readNirBytes(await readRegular(path), options)
}

/** Writes a NIR document to a .nir file. */
export async function writeNirFile(
  path: string,
  doc: NirDocument,
  options: WriteOptions = {},
): Promise<void> {
  await writeFile(path, await writeNir(doc, options))
}

export { closeH5Worker, type DecodeOptions } from './hdf5/worker-client.js'
