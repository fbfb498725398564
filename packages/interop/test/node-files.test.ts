import { spawnSync } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FormatError } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { openNpyFile, readNirFile, readNpyFile } from '../src/node.js'

const scratch = mkdtempSync(join(tmpdir(), 'leaky-interop-files-'))
const dist = (name: string) => fileURLToPath(new URL(`../dist/${name}`, import.meta.url))

describe('@leaky/interop/node reads only regular files', () => {
  it('a device behind a .npy or .nir name is a FormatError, not a read until memory runs out', async () => {
    for (const name of ['zero.npy', 'zero.nir']) symlinkSync('/dev/zero', join(scratch, name))
    await expect(readNpyFile(join(scratch, 'zero.npy'))).rejects.toThrow(FormatError)
    await expect(openNpyFile(join(scratch, 'zero.npy'))).rejects.toThrow(/not a regular file/)
    await expect(readNirFile(join(scratch, 'zero.nir'))).rejects.toThrow(/not a regular file/)
    await expect(readNpyFile(scratch)).rejects.toThrow(/not a regular file/)
  })
})

describe('h5wasm starts only when a .nir file is touched', () => {
  // HDF5's WASM instance reserves gigabytes of address space: importing @leaky/interop (so every
  // leaky command) must not pay for it. Under ulimit -v 8000000 the instance cannot be created.
  const underLimit = (script: string) =>
    spawnSync(
      'bash',
      ['-c', 'ulimit -v 8000000; exec "$0" --input-type=module -e "$1"', process.execPath, script],
      {
        encoding: 'utf8',
      },
    )
  it('imports @leaky/interop and @leaky/interop/node, and reads and writes .npy, under ulimit -v 8000000', () => {
    const r = underLimit(
      `const i = await import(${JSON.stringify(dist('index.js'))}); await import(${JSON.stringify(dist('node.js'))});` +
        `const t = i.readNpy(i.writeNpy({ data: new Float32Array(4), shape: [2, 2] })); console.log('ok', t.shape.join('x'))`,
    )
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('ok 2x2')
    expect(r.status).toBe(0)
  })
  it('the same limit does stop HDF5 itself (so the test above tests something)', () => {
    const r = underLimit(
      `const i = await import(${JSON.stringify(dist('index.js'))}); try { await i.writeNir({ version: '1', graph: { nodes: [], edges: [], metadata: {} } }); console.log('wrote') } catch (e) { console.log('refused') }`,
    )
    expect(`${r.stdout}${r.stderr}`).toMatch(/Out of memory|refused|Aborted/)
    expect(r.stdout).not.toMatch(/wrote/)
  })
})
