import { readFileSync } from 'node:fs'
import { BackendError, FormatError } from '@leaky/core'
import { afterAll, describe, expect, it } from 'vitest'
import { workersStarted } from '../hdf5/worker-client.js'
import { readNir, writeNir } from '../nir/io.js'
import { closeH5Worker, readNirBytes } from '../node.js'

// Its own file: the in-thread h5wasm instance is unusable after the trap, and vitest isolates files.
const fixtures = new URL('../../fixtures/nir/', import.meta.url)
const trap = new Uint8Array(readFileSync(new URL('damaged_traps_wasm.nir', fixtures)))
const good = new Uint8Array(readFileSync(new URL('norse_braille.nir', fixtures)))

afterAll(closeH5Worker)

describe('a file that makes the WASM instance trap', () => {
  it('in a worker: a FormatError, the worker is replaced, the next file reads', async () => {
    await expect(readNirBytes(good)).resolves.toBeDefined()
    const before = workersStarted
    await expect(readNirBytes(trap)).rejects.toThrow(/memory access out of bounds/)
    await expect(readNirBytes(good)).resolves.toBeDefined()
    expect(workersStarted).toBe(before + 1)
  })

  it('in this thread: a FormatError, then a BackendError saying h5wasm must be reloaded (no crash)', async () => {
    await expect(readNir(good)).resolves.toBeDefined()
    await expect(readNir(trap)).rejects.toThrow(FormatError)
    await expect(readNir(good)).rejects.toThrow(BackendError)
    await expect(writeNir(await readNirBytes(good))).rejects.toThrow(BackendError)
  })
})
