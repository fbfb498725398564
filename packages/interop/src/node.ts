/**
 * Node-only helpers: files on disk. The rest of @leaky/interop works on bytes and runs in browsers too.
 */
import { open, readFile, writeFile } from 'node:fs/promises'
import type { Tensor } from '@leaky/core'
import { type NpyArray, readNpy, writeNpy } from './npy/npy.js'
import { type ByteSource, type NpyStream, openNpy } from './npy/stream.js'

export async function readNpyFile(path: string): Promise<NpyArray> {
  return readNpy(await readFile(path))
}

export async function writeNpyFile(path: string, t: Tensor): Promise<void> {
  await writeFile(path, writeNpy(t))
}

/** A file as a ByteSource: each read is one positioned read (fs.read with an offset) into a fresh buffer. */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r')
  const { size } = await handle.stat()
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
