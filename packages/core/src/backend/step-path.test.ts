import { describe, expect, it } from 'vitest'
import { DisposedError, ShapeError } from '../errors/errors.js'
import { jsBackend } from '../js-backend/js-backend.js'
import { type LIState, resolveSpec } from '../layer/spec.js'
import { simulate } from '../math/li.js'
import { mulberry32 } from '../random/mulberry32.js'
import type { Tensor } from '../tensor/tensor.js'

// A step on an idle layer runs synchronously (BaseLayer's fast path) and returns a settled promise;
// these are the guarantees that path must keep, on the js backend (wasm-simd tests its own engine).
const N = 8
const spec = { neurons: N, params: { tauMemInv: 150, vLeak: 0.25 } }
const rand = mulberry32(3)
const row = (): Tensor => ({ data: Float32Array.from({ length: N }, () => 2 * rand() - 1), shape: [N] })
/** What sequential steps from the default state give, by the reference loop. */
function reference(rows: Tensor[], from?: LIState) {
  const xs = { data: Float32Array.from(rows.flatMap((r) => [...r.data])), shape: [rows.length, N] }
  return simulate(resolveSpec(spec), xs, from)
}
const last = (voltages: Tensor) => voltages.data.subarray(voltages.data.length - N)
/** The call's promise, noting its name in `order` when it settles. */
function noting<T>(order: string[], name: string, call: Promise<T>): Promise<T> {
  return call.then((r) => {
    order.push(name)
    return r
  })
}

describe('step on an idle layer (the synchronous path)', () => {
  it('returns a promise, and bad input rejects (never throws) with the state left as it was', async () => {
    const layer = await jsBackend.createLayer(spec)
    const x = row()
    const first = await layer.step(x)
    let call: Promise<unknown> | undefined
    expect(() => {
      call = layer.step({ data: new Float32Array(N + 1), shape: [N + 1] }, first.state)
    }).not.toThrow()
    await expect(call).rejects.toBeInstanceOf(ShapeError)
    const y = row()
    const second = await layer.step(y, first.state)
    expect(second.v.data).toEqual(last(reference([x, y]).voltages))
    await layer.dispose()
  })

  it('a step called while a run is in flight waits for it: results settle in call order', async () => {
    const layer = await jsBackend.createLayer(spec)
    const x = row()
    const y = row()
    const first = await layer.step(x)
    const order: string[] = []
    const long = { data: Float32Array.from({ length: 20_000 * N }, () => rand()), shape: [20_000, N] }
    const calls = [
      noting(order, 'step before', layer.step(y, first.state)),
      noting(order, 'run', layer.run(long, first.state)),
      noting(order, 'step after', layer.step(y, first.state)),
    ] as const
    const [before, ran, after] = await Promise.all(calls)
    expect(order).toEqual(['step before', 'run', 'step after'])
    const expected = last(reference([x, y]).voltages)
    expect(before.v.data).toEqual(expected)
    expect(after.v.data).toEqual(expected)
    // The run's result feeds a step like any state: it continues where the run ended.
    const next = await layer.step(y, ran.state)
    const plain = simulate(resolveSpec(spec), { data: y.data, shape: [1, N] }, ran.state)
    expect(next.v.data).toEqual(plain.voltages.data)
    await layer.dispose()
  })

  it('v is the caller’s: editing it changes neither the state nor the next step', async () => {
    const layer = await jsBackend.createLayer(spec)
    const x = row()
    const y = row()
    const first = await layer.step(x)
    expect(first.v.data.byteLength).toBe(first.v.data.buffer.byteLength)
    first.v.data.fill(1e6)
    const read = await first.state.read()
    expect(read.v.data).toEqual(reference([x]).state.v.data)
    const second = await layer.step(y, first.state)
    expect(second.v.data).toEqual(last(reference([x, y]).voltages))
    await layer.dispose()
  })

  it('read() called before dispose() gives the state; the disposed handle is refused after', async () => {
    const layer = await jsBackend.createLayer(spec)
    const x = row()
    const first = await layer.step(x)
    const reading = first.state.read()
    first.state.dispose()
    await layer.step(row()) // the next state may take what the disposed one held
    expect((await reading).v.data).toEqual(reference([x]).state.v.data)
    await expect(layer.step(x, first.state)).rejects.toBeInstanceOf(DisposedError)
    await expect(first.state.read()).rejects.toBeInstanceOf(DisposedError)
    await layer.dispose()
    await expect(layer.step(x)).rejects.toBeInstanceOf(DisposedError)
  })
})
