/** Issue 12 on web-wasm (Node): accuracy decides the engine, results the caller owns, snapshots. */
import { resolveSpec, simulate, tensor } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { sweep, sweepCases } from '../../onnx/test/accuracy-sweep.js'
import { webWasmBackend } from '../src/index.js'

describe('web-wasm', () => {
  it('run vs js over decay factors in [−1, 3]² (T = 200) and tau = 1 s over T = 1e5', async () => {
    const cases = sweepCases({ grid: [-1, -0.5, 0, 0.1, 0.5, 1, 1.5, 2, 3], steps: 200, slowSteps: 100_000 })
    expect(await sweep(webWasmBackend, cases)).toEqual([])
  }, 300_000)

  it.each([8, 200_001])(
    'a returned v is its own memory: editing it never changes the state (%i neurons)',
    async (neurons) => {
      const layer = await webWasmBackend.createLayer({ neurons })
      const { v, state } = await layer.step(tensor(new Float32Array(neurons).fill(1), [neurons]))
      expect(v.data.byteLength).toBe(v.data.buffer.byteLength)
      const before = (await state.read()).v.data.slice(0, 8)
      v.data.fill(123)
      expect([...(await state.read()).v.data.subarray(0, 8)]).toEqual([...before])
      state.dispose()
      await layer.dispose()
    },
  )

  it('a run sees its input as it was when the call was made', async () => {
    const spec = { neurons: 3, params: { vLeak: Float32Array.of(0, 1, 2) } }
    const layer = await webWasmBackend.createLayer(spec)
    const xs = tensor(
      Float32Array.from({ length: 30 }, (_, k) => Math.cos(k)),
      [10, 3],
    )
    const expected = simulate(resolveSpec(spec), tensor(xs.data.slice(), xs.shape))
    const pending = layer.run(xs)
    xs.data.fill(-5)
    expect([...(await pending).voltages.data]).toEqual([...expected.voltages.data])
    await layer.dispose()
  })
})
