/** The session pool on a real onnxruntime (onnxruntime-node's CPU EP): identity and lifetimes. */
import { resolveSpec } from '@leaky/core'
import ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { SEQUENCE_IO } from '../li/io-names.js'
import type { DevicePolicy, OrtRuntime } from './runtime.js'
import { SessionPool } from './sessions.js'

const runtime: OrtRuntime = {
  Tensor: ort.Tensor,
  createSession: (model, options) => ort.InferenceSession.create(model, options),
}
const cpu: DevicePolicy = { device: 'cpu', backend: 'test-cpu', target: 'cpu' }
const shape = { graph: 'sequence', batchRank: 0, work: 2 } as const

async function runOnce(session: ort.InferenceSession) {
  const t = (data: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims)
  const out = await session.run({
    [SEQUENCE_IO.xs]: t([1, 1, 1, 1], [2, 2]),
    [SEQUENCE_IO.v0]: t([0, 0], [2]),
    [SEQUENCE_IO.i0]: t([0, 0], [2]),
  })
  return (out[SEQUENCE_IO.voltages] as ort.Tensor).data as Float32Array
}

describe('SessionPool', () => {
  it('equal content shares an id; content that differs anywhere (a sign, -0) never does', () => {
    const pool = new SessionPool(runtime)
    const plus = pool.content(resolveSpec({ neurons: 2, params: { vLeak: 1 } }))
    const again = pool.content(resolveSpec({ neurons: 2, params: { vLeak: 1 } }))
    // Two sign flips cancelled in the old 32-bit word hash: same bucket, told apart word by word.
    const minus = pool.content(resolveSpec({ neurons: 2, params: { vLeak: -1 } }))
    const zero = pool.content(resolveSpec({ neurons: 2, params: { vLeak: 0 } }))
    const negativeZero = pool.content(resolveSpec({ neurons: 2, params: { vLeak: -0 } }))
    expect(again.id).toBe(plus.id)
    expect(new Set([plus.id, minus.id, zero.id, negativeZero.id]).size).toBe(4)
    expect(pool.contents).toBe(4)
    for (const lease of [plus, again, minus, zero, negativeZero]) lease.release()
    expect(pool.contents).toBe(0)
  })

  it('an evicted session keeps running for the layers that still lease it, and goes with the last', async () => {
    const pool = new SessionPool(runtime)
    const content = pool.content(resolveSpec({ neurons: 2 }))
    const failing = pool.acquire(content.id, cpu, shape)
    const other = pool.acquire(content.id, cpu, shape)
    expect(other.key).toBe(failing.key)
    const session = await other.session
    const before = await runOnce(session)
    // The first layer's call failed: its session is evicted, and that layer lets go of it.
    failing.evict()
    failing.release()
    expect([...(await runOnce(session))]).toEqual([...before])
    // New leases get a fresh session; the evicted one is still counted until released.
    const fresh = pool.acquire(content.id, cpu, shape)
    expect(await fresh.session).not.toBe(session)
    expect(pool.size).toBe(2)
    other.release()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(pool.size).toBe(1)
    await expect(runOnce(session)).rejects.toThrow()
    fresh.release()
    content.release()
  })
})
