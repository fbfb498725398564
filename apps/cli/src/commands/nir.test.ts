import { closeH5Worker } from '@leaky/interop/node'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { UsageError } from '../usage.js'
import { nir } from './nir.js'

const fixture = (name: string) =>
  new URL(`../../../../packages/interop/fixtures/nir/${name}`, import.meta.url).pathname

afterAll(closeH5Worker)

async function capture(args: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  try {
    return { code: await nir(args), out }
  } finally {
    spy.mockRestore()
  }
}

describe('leaky nir inspect', () => {
  it('prints a table of nodes, the edges and what is unsupported', async () => {
    const { code, out } = await capture(['inspect', fixture('rockpool_braille.nir')])
    expect(code).toBe(0)
    expect(out).toContain('NIR 0.2.0, 10 nodes, 9 edges')
    expect(out).toMatch(/hidden\/lif\s+CubaLIF\s+\[38\]\s+\[38\]/)
    expect(out).toMatch(/fc1\s+Affine\s+\[12\]\s+\[38\]\s+bias <f4 \[38\], weight <f4 \[38, 12\]\s+yes/)
    expect(out).toContain('hidden/lin -> hidden/lif')
    expect(out).toContain('2 unsupported: hidden/lif (CubaLIF), lif2 (CubaLIF)')
  })

  it('--json gives the same summary as data', async () => {
    const { out } = await capture(['inspect', fixture('norse_braille.nir'), '--json'])
    const summary = JSON.parse(out)
    expect(summary.nodes).toHaveLength(7)
    expect(summary.unsupported).toEqual([
      { path: 'lif1.lif', type: 'CubaLIF' },
      { path: 'lif2', type: 'CubaLIF' },
    ])
  })

  it('usage mistakes are UsageErrors; a damaged file is a FormatError', async () => {
    await expect(nir(['inspect'])).rejects.toThrow(UsageError)
    await expect(nir(['frobnicate'])).rejects.toThrow(UsageError)
    await expect(nir(['inspect', 'a.nir', 'b.nir'])).rejects.toThrow(UsageError)
    await expect(nir(['inspect', fixture('does-not-exist.nir')])).rejects.toMatchObject({ code: 'E_FORMAT' })
    await expect(nir(['inspect', fixture('damaged_traps_wasm.nir')])).rejects.toMatchObject({
      code: 'E_FORMAT',
    })
  })
})
