import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// npm installs two copies of @leaky/core when a backend package wants another version than the
// app: each copy must see the backends the other's packages registered. Two copies of the built
// package (its dist, as published) are loaded here as separate module instances.
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist')
const root = mkdtempSync(join(tmpdir(), 'leaky-two-cores-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function copy(name: string): string {
  const dir = join(root, name, 'dist')
  cpSync(dist, dir, { recursive: true })
  return dir
}

describe('two copies of @leaky/core in one process', () => {
  it('share one registry: a backend registered through one is selected through the other', async () => {
    const a = await import(pathToFileURL(join(copy('a'), 'index.js')).href)
    const bDir = copy('b')
    const bCore = await import(pathToFileURL(join(bDir, 'index.js')).href)
    const bBackend = await import(pathToFileURL(join(bDir, 'backend.js')).href)
    expect(a.createLayer).not.toBe(bCore.createLayer)

    bBackend.registerBackend({ ...bBackend.jsDeclaration, name: 'from-copy-b', priority: 7 })
    expect(a.registeredBackends()).toEqual(['from-copy-b', 'js'])
    const layer = await a.createLayer({ neurons: 2 }, { prefer: 'from-copy-b' })
    const { voltages } = await layer.run(a.tensor([1, 1], [1, 2]))
    expect(Array.from(voltages.data)).toEqual([0.10000000149011612, 0.10000000149011612])
    // A state handle of copy b's layer goes into a layer of copy a (read out, not hung or refused).
    const { state } = await layer.step(a.tensor([1, 1], [2]))
    const other = await a.jsBackend.createLayer({ neurons: 2 })
    await expect(other.step(a.tensor([0, 0], [2]), state)).resolves.toBeDefined()
    await Promise.all([layer.dispose(), other.dispose()])
  })
})
