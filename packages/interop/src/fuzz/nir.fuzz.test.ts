import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { FormatError, UnsupportedError } from '@leaky/core'
import { afterAll, describe, expect, it } from 'vitest'
import { workerHeapBytes, workersStarted } from '../hdf5/worker-client.js'
import { nirToModel } from '../nir/convert.js'
import { inspectNir } from '../nir/inspect.js'
import { closeH5Worker, readNirBytes } from '../node.js'
import { mutate, rng } from './mutate.js'

const fixtures = new URL('../../fixtures/nir/', import.meta.url)

afterAll(closeH5Worker)

describe('.nir fuzz: damaged files give a FormatError, never a hang or a crash', () => {
  it('200 seeded mutations of a real file through the worker reader, inspect and the model mapping', async () => {
    const good = new Uint8Array(readFileSync(new URL('rockpool_braille.nir', fixtures)))
    const random = rng(20261126)
    const outcomes: Record<string, number> = {}
    const count = (key: string) => {
      outcomes[key] = (outcomes[key] ?? 0) + 1
    }
    let largestHeap = 0
    for (let k = 0; k < 200; k++) {
      const { bytes, how } = mutate(good, random)
      try {
        const doc = await readNirBytes(bytes, { timeoutMs: 2000 })
        inspectNir(doc)
        nirToModel(doc) // the file has CubaLIF nodes: an UnsupportedError if it still parses
        count('model')
      } catch (error) {
        if (error instanceof FormatError) count(/did not finish/.test(error.message) ? 'timeout' : 'format')
        else if (error instanceof UnsupportedError) count('unsupported')
        else throw new Error(`mutation ${k} (${how}) threw ${String(error)}`)
      }
      largestHeap = Math.max(largestHeap, workerHeapBytes)
    }
    expect(outcomes.format ?? 0).toBeGreaterThan(50)
    // WASM memory is bounded: workers past 256 MiB are replaced, so it cannot grow over the loop.
    expect(largestHeap).toBeLessThan(2 ** 31)
    expect(workersStarted).toBeLessThan(100)
    // And the reader still works afterwards.
    const doc = await readNirBytes(good)
    expect(inspectNir(doc).nodes.length).toBe(10)
    expect(workerHeapBytes).toBeLessThanOrEqual(256 * 1024 * 1024)
  }, 60_000)

  it('a file on which HDF5 loops for ever becomes a FormatError after the timeout; the reader then still works', async () => {
    const hangs = new Uint8Array(readFileSync(new URL('damaged_hangs_hdf5.nir', fixtures)))
    const started = Date.now()
    await expect(readNirBytes(hangs, { timeoutMs: 500 })).rejects.toThrow(/did not finish within 500 ms/)
    expect(Date.now() - started).toBeLessThan(5000)
    const good = new Uint8Array(readFileSync(new URL('norse_braille.nir', fixtures)))
    expect(inspectNir(await readNirBytes(good)).nodes.length).toBe(7)
  })

  it('bytes that are not HDF5 at all, or an HDF5 file that is not NIR, are FormatErrors', async () => {
    await expect(readNirBytes(new Uint8Array(0))).rejects.toThrow(FormatError)
    await expect(readNirBytes(new TextEncoder().encode('{"nodes": []}'))).rejects.toThrow(/not an HDF5 file/)
    const npy = new Uint8Array(readFileSync(new URL('../npy/f32_3x4.npy', fixtures)))
    await expect(readNirBytes(npy)).rejects.toThrow(FormatError)
  })
})

describe('the Node reader and process lifetime', () => {
  it('a process that read a .nir file exits by itself (the worker thread does not keep it alive)', () => {
    const node = new URL('../../dist/node.js', import.meta.url).href
    const file = new URL('norse_braille.nir', fixtures).pathname
    const script = `const m = await import(${JSON.stringify(node)}); const d = await m.readNirFile(${JSON.stringify(file)}); console.log(d.graph.nodes.length)`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 15_000,
      encoding: 'utf8',
    })
    expect(out.trim()).toBe('7')
  })
})
