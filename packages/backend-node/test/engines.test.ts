import { type LayerSpec, resolveSpec, simulate, tensor } from '@leaky/core'
import { backendFor } from '@leaky/core/backend'
import type { EngineLimits } from '@leaky/onnx/runtime'
import { describe, expect, it } from 'vitest'
import { NODE_LIMITS, type NodeLayer, nodeBackends, nodeCpuBackend, probe } from '../src/index.js'

/** A node-cpu backend whose layers run under other engine limits. */
const cpuWith = (limits: Partial<EngineLimits>) =>
  backendFor(nodeBackends.declaration('node-cpu', { limits }))
const sequenceGraphOf = async (spec: LayerSpec, steps: number, batch: number[] = []) => {
  const layer = (await nodeCpuBackend.createLayer(spec)) as NodeLayer
  const planned = layer.planFor({ mode: 'sequence', steps, batch })
  await layer.dispose()
  return planned.engine === 'graph' ? planned.session.graph : planned.engine
}

const xsOf = (steps: number, n: number) =>
  tensor(
    Float32Array.from({ length: steps * n }, (_, k) => Math.sin(k * 0.37)),
    [steps, n],
  )

describe('node-cpu engines', () => {
  it('runs both the ONNX step session and the JS loop, with the same numbers', async () => {
    const n = 8
    const jsLayer = await nodeCpuBackend.createLayer({ neurons: n })
    const layer = await cpuWith({ jsStepMaxWork: 0 }).createLayer({ neurons: n })
    const x = tensor(new Float32Array(n).fill(0.5), [n])
    const js = await jsLayer.step(x)
    try {
      const onnx = await layer.step(x)
      expect([...onnx.v.data]).toEqual([...js.v.data])
      const next = await layer.step(x, onnx.state)
      const reference = simulate(
        resolveSpec({ neurons: n }),
        tensor(new Float32Array(2 * n).fill(0.5), [2, n]),
      )
      expect([...next.v.data]).toEqual([...reference.voltages.data.subarray(n)])
    } finally {
      await layer.dispose()
      await jsLayer.dispose()
    }
  })

  it('uses the chunked parallel graph for small layers, Scan for small per-neuron ones, step chunks for wide ones', async () => {
    expect(await sequenceGraphOf({ neurons: 4 }, 50)).toBe('parallel')
    expect(await sequenceGraphOf({ neurons: 4, params: { vLeak: Float32Array.of(0, 1, 2, 3) } }, 50)).toBe(
      'sequence',
    )
    for (const neurons of [NODE_LIMITS.stepChunkMinWork as number, NODE_LIMITS.chunkedMaxWork + 1]) {
      expect(await sequenceGraphOf({ neurons }, 50)).toBe('step-chunks')
      expect(
        await sequenceGraphOf({ neurons, params: { vLeak: new Float32Array(neurons).fill(1) } }, 50),
      ).toBe('step-chunks')
    }
    const layer = await nodeCpuBackend.createLayer({ neurons: 4 })
    const xs = xsOf(50, 4)
    const big = await layer.run(xs)
    const reference = simulate(resolveSpec({ neurons: 4 }), xs)
    expect(
      Math.max(...big.voltages.data.map((v, k) => Math.abs(v - (reference.voltages.data[k] as number)))),
    ).toBeLessThan(1e-5)
    await layer.dispose()
  })

  it('cuts long runs into time slices with the state carried across, equal to one call', async () => {
    const xs = xsOf(37, 5)
    // 4 steps a slice: 10 slices, the last one short.
    const slicing = cpuWith({ sliceElements: { sequence: 5 * 4, parallel: 5 * 4 }, minSliceSteps: 1 })
    for (const params of [{}, { vLeak: Float32Array.of(0, 1, 2, 3, 4) }]) {
      const layer = await nodeCpuBackend.createLayer({ neurons: 5, params })
      const slicedLayer = (await slicing.createLayer({ neurons: 5, params })) as NodeLayer
      const whole = await layer.run(xs)
      const planned = slicedLayer.planFor({ mode: 'sequence', steps: 37, batch: [] })
      expect(planned).toMatchObject({ engine: 'graph', sliceSteps: 4, slices: 10 })
      try {
        const sliced = await slicedLayer.run(xs)
        const reference = simulate(resolveSpec({ neurons: 5, params }), xs)
        for (const r of [whole, sliced]) {
          expect(
            Math.max(...r.voltages.data.map((v, k) => Math.abs(v - (reference.voltages.data[k] as number)))),
          ).toBeLessThan(1e-5)
          expect(
            Math.max(...r.state.i.data.map((v, k) => Math.abs(v - (reference.state.i.data[k] as number)))),
          ).toBeLessThan(1e-5)
        }
      } finally {
        await layer.dispose()
        await slicedLayer.dispose()
      }
    }
  })

  it('runs wide layers as one step-session call per time step, bit for bit in Norse order', async () => {
    const wide = cpuWith({ stepSessionMinWork: 1 })
    for (const params of [{}, { vLeak: Float32Array.of(0, -1, 2) }]) {
      const layer = await wide.createLayer({ neurons: 3, params })
      const xs = xsOf(25, 3)
      const state = {
        v: { data: Float32Array.of(1, 2, 3), shape: [3] },
        i: { data: Float32Array.of(-1, 0, 1), shape: [3] },
      }
      const ours = await layer.run(xs, state)
      const reference = simulate(resolveSpec({ neurons: 3, params }), xs, state)
      expect([...ours.voltages.data]).toEqual([...reference.voltages.data])
      expect([...ours.state.i.data]).toEqual([...reference.state.i.data])
      expect([...ours.state.v.data]).toEqual([...reference.state.v.data])
      await layer.dispose()
    }
  })

  it('writes into a caller-supplied output and records states exactly', async () => {
    const layer = await nodeCpuBackend.createLayer({ neurons: 3 })
    const xs = xsOf(20, 3)
    const output = new Float32Array(60)
    const result = await layer.run(xs, undefined, { output })
    expect(result.voltages.data).toBe(output)
    const recorded = await layer.run(xs, undefined, { recordStates: true })
    const reference = simulate(resolveSpec({ neurons: 3 }), xs, undefined, { recordStates: true })
    expect([...(recorded.states?.i.data ?? [])]).toEqual([...(reference.states?.i.data ?? [])])
    await layer.dispose()
  })

  it('shares sessions between layers and keeps their number bounded over create/dispose', async () => {
    const xs = xsOf(10, 16)
    for (let k = 0; k < 200; k++) {
      const layer = await nodeCpuBackend.createLayer({ neurons: 16, params: { tauMemInv: 100 + (k % 3) } })
      await layer.run(xs)
      await layer.dispose()
    }
    expect(nodeBackends.sessions.size).toBeLessThanOrEqual(16 + 3)
  })
})

describe('node-cuda without a GPU', () => {
  it('is unavailable with a reason that names the opt-in', async () => {
    const availability = await probe('cuda')
    expect(availability.ok).toBe(false)
    if (!availability.ok) expect(availability.reason).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/)
  })
  it('fails the CUDA session creation with a typed error and the layer survives', async () => {
    // The path a GPU machine takes, as far as it goes here: create the CUDA session, which fails.
    const layer = nodeBackends.layer('node-cuda', resolveSpec({ neurons: 2 }))
    const xs = xsOf(3, 2)
    await expect(layer.run(xs)).rejects.toMatchObject({ code: 'E_BACKEND' })
    await expect(layer.run(xs)).rejects.toMatchObject({ code: 'E_BACKEND' })
    await layer.dispose()
  })
})

describe('faults', () => {
  it('a session that fails mid-run leaves the layer usable: the call fails, the next one works', async () => {
    const layer = (await nodeCpuBackend.createLayer({ neurons: 50_000 })) as NodeLayer
    // 3 steps on step chunks of 8: two sessions (2 steps, 1 step), both broken below.
    const xs = xsOf(3, 50_000)
    const good = await layer.run(xs)
    expect(layer.sessionKeys).toHaveLength(2)
    // Break the runtime under the layer: release its session behind its back, as a crash would.
    for (const key of layer.sessionKeys) await (await nodeBackends.sessions.sessionFor(key))?.release()
    await expect(layer.run(xs)).rejects.toMatchObject({ code: 'E_BACKEND' })
    const again = await layer.run(xs)
    expect([...again.voltages.data.subarray(0, 10)]).toEqual([...good.voltages.data.subarray(0, 10)])
    await layer.dispose()
  })
})
