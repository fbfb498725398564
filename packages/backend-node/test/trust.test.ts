/**
 * Every call right or refused (issue 12), on node-cpu: sessions keyed by exact content, dropped
 * layers release theirs, inputs as they were when the call was made, results the caller owns.
 */
import { type LayerSpec, resolveSpec, simulate, type Tensor, tensor } from '@leaky/core'
import { backendFor } from '@leaky/core/backend'
import { describe, expect, it } from 'vitest'
import { nodeBackends, nodeCpuBackend } from '../src/index.js'

const xsOf = (steps: number, n: number, phase = 0) =>
  tensor(
    Float32Array.from({ length: steps * n }, (_, k) => Math.sin(k * 0.37 + phase)),
    [steps, n],
  )
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, k) => Math.max(m, Math.abs(x - (b[k] as number))), 0)

describe('session identity', () => {
  it('layers whose content differs only in signs never share a session (vLeak ±1, weights ±W)', async () => {
    const w = Float32Array.from({ length: 16 }, (_, k) => (k % 5) - 2)
    const pairs: [LayerSpec, LayerSpec][] = [
      [
        { neurons: 4, params: { vLeak: 1 } },
        { neurons: 4, params: { vLeak: -1 } },
      ],
      [
        { neurons: 4, weights: { data: w, shape: [4, 4] } },
        { neurons: 4, weights: { data: w.map((x) => -x), shape: [4, 4] } },
      ],
    ]
    for (const [first, second] of pairs) {
      const a = await nodeCpuBackend.createLayer(first)
      const b = await nodeCpuBackend.createLayer(second)
      const xs = xsOf(20, 4)
      for (const [layer, spec] of [
        [a, first],
        [b, second],
      ] as const) {
        const ours = await layer.run(xs)
        const reference = simulate(resolveSpec(spec), xs)
        expect(maxDiff(ours.voltages.data, reference.voltages.data)).toBeLessThan(1e-4)
      }
      await a.dispose()
      await b.dispose()
    }
  })

  it('10 000 layers dropped without dispose() release their sessions: sessions and RSS stay bounded', async () => {
    const gc = (globalThis as { gc?: () => void }).gc
    if (!gc) throw new Error('run with --expose-gc (vitest.config.ts sets it)')
    const xs = xsOf(4, 8)
    const collect = async () => {
      for (let k = 0; k < 5; k++) {
        gc()
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    const churn = async (count: number) => {
      for (let k = 0; k < count; k++) {
        // 40 distinct contents: more sessions than the pool keeps idle (16).
        const layer = await nodeCpuBackend.createLayer({ neurons: 8, params: { tauMemInv: 50 + (k % 40) } })
        await layer.run(xs)
        if (k % 500 === 499) await collect()
      }
      await collect()
    }
    await churn(1000)
    const rssBefore = process.memoryUsage().rss
    await churn(9000)
    await collect()
    const rssAfter = process.memoryUsage().rss
    expect(nodeBackends.sessions.leases).toBe(0)
    expect(nodeBackends.sessions.size).toBeLessThanOrEqual(16)
    expect(nodeBackends.sessions.contents).toBeLessThanOrEqual(16)
    expect(rssAfter - rssBefore).toBeLessThan(64 * 2 ** 20)
  }, 300_000)
})

describe('snapshots', () => {
  /** Starts a call, overwrites its input (and start state) at once, then compares with the original. */
  const overwrittenDuringRun = async (spec: LayerSpec, steps: number, limits = {}) => {
    const layer = await backendFor(nodeBackends.declaration('node-cpu', { limits })).createLayer(spec)
    const xs = xsOf(steps, spec.neurons)
    const original = xs.data.slice()
    const state = {
      v: tensor(new Float32Array(spec.neurons).fill(0.5), [spec.neurons]),
      i: tensor(new Float32Array(spec.neurons).fill(-0.5), [spec.neurons]),
    }
    const expected = simulate(resolveSpec(spec), { data: original, shape: xs.shape }, state)
    const pending = layer.run(xs, state)
    xs.data.fill(1e3)
    state.v.data.fill(7)
    const ours = await pending
    await layer.dispose()
    return maxDiff(ours.voltages.data, expected.voltages.data)
  }

  it('a run sees its input as it was when the call was made, on every engine', async () => {
    // Scan in 4-step slices, the chunked graph in slices, one step session per time step, step chunks.
    const sliced = { sliceElements: { sequence: 16, parallel: 16 }, minSliceSteps: 1 }
    expect(
      await overwrittenDuringRun({ neurons: 4, params: { vLeak: Float32Array.of(0, 1, 2, 3) } }, 40, sliced),
    ).toBeLessThan(1e-5)
    expect(await overwrittenDuringRun({ neurons: 4 }, 40, sliced)).toBeLessThan(1e-4)
    expect(await overwrittenDuringRun({ neurons: 4 }, 40, { stepSessionMinWork: 1 })).toBeLessThan(1e-5)
    expect(await overwrittenDuringRun({ neurons: 4 }, 37, { stepChunkMinWork: 1 })).toBe(0)
    expect(await overwrittenDuringRun({ neurons: 4 }, 1)).toBeLessThan(1e-5)
  })

  it('a session step sees its input as it was when the call was made', async () => {
    const layer = await backendFor(
      nodeBackends.declaration('node-cpu', { limits: { jsStepMaxWork: 0 } }),
    ).createLayer({
      neurons: 4,
    })
    const x = tensor(Float32Array.of(1, 2, 3, 4), [4])
    const pending = layer.step(x)
    x.data.fill(-100)
    const { v } = await pending
    const expected = simulate(resolveSpec({ neurons: 4 }), tensor(Float32Array.of(1, 2, 3, 4), [1, 4]))
    expect([...v.data]).toEqual([...expected.voltages.data])
    await layer.dispose()
  })
})

describe('results the caller owns', () => {
  const ownsItsMemory = (t: Tensor) =>
    t.data.byteOffset === 0 && t.data.buffer.byteLength === t.data.byteLength

  it.each([8, 200_000, 200_001])(
    'editing a returned v never changes the state (%i neurons)',
    async (neurons) => {
      const layer = await nodeCpuBackend.createLayer({ neurons })
      const x = tensor(new Float32Array(neurons).fill(1), [neurons])
      const first = await layer.step(x)
      expect(ownsItsMemory(first.v)).toBe(true)
      const before = (await first.state.read()).v.data.slice()
      first.v.data.fill(123)
      const after = await first.state.read()
      expect([...after.v.data.subarray(0, 8)]).toEqual([...before.subarray(0, 8)])
      expect(ownsItsMemory(after.v) && ownsItsMemory(after.i)).toBe(true)
      const ran = await layer.run(tensor(new Float32Array(2 * neurons).fill(1), [2, neurons]))
      for (const t of [ran.voltages, ran.state.v, ran.state.i]) expect(ownsItsMemory(t)).toBe(true)
      first.state.dispose()
      await layer.dispose()
    },
  )
})
