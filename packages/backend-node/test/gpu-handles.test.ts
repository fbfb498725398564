import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { resolveSpec, simulate } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { nodeWebgpuBackend } from '../src/index.js'

const script = fileURLToPath(new URL('./fixtures/gpu-handles-after-eviction.mjs', import.meta.url))

describe('node-webgpu state handles own their GPU tensors', () => {
  it('read(), step() and dispose() after a failed call evicted the session: the process survives, states intact', async () => {
    const availability = await nodeWebgpuBackend.available()
    if (!availability.ok) {
      if ((process.env.LEAKY_REQUIRE_BACKENDS ?? '').split(',').includes('node-webgpu'))
        throw new Error(availability.reason)
      return
    }
    // A child process: the failure this guards against is an abort, which would end vitest itself.
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 120_000 })
    const lines = stdout.trim().split('\n')
    expect(lines.at(-1)).toBe('survived')
    const figures = JSON.parse(lines.at(-2) as string) as { first: number; last: number; sessions: number }
    const xs = { data: new Float32Array(16).fill(0.5), shape: [4, 4] }
    const reference = simulate(resolveSpec({ neurons: 4 }), xs).voltages.data
    expect(figures.first).toBeCloseTo(reference[0] as number, 6)
    expect(figures.last).toBeCloseTo(reference[12] as number, 6)
  }, 180_000)
})
