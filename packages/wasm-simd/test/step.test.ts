import {
  DisposedError,
  type LIState,
  mulberry32,
  resolveSpec,
  type StateHandle,
  simulate,
  type Tensor,
} from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { getEngine, getSharedEngine, wasmSimdBackend } from '../src/index.js'
import type { WasmSimdLayer } from '../src/layer.js'

// layer.step on an idle layer runs at once, and a disposed handle's memory (and its finalizer
// registration) is reused by the next state: what that must not break.
const N = 64
const spec = { neurons: N, params: { tauMemInv: 150, vLeak: 0.25 } }
const create = () => wasmSimdBackend.createLayer(spec) as Promise<WasmSimdLayer>
const rand = mulberry32(9)
const row = (): Tensor => ({ data: Float32Array.from({ length: N }, () => 2 * rand() - 1), shape: [N] })

/** The state after these steps from the default state, by core's reference loop. */
function stateAfter(rows: Tensor[]): LIState {
  const xs = { data: Float32Array.from(rows.flatMap((r) => [...r.data])), shape: [rows.length, N] }
  return simulate(resolveSpec(spec), xs).state
}

async function expectState(handle: StateHandle, rows: Tensor[]): Promise<void> {
  const read = await handle.read()
  const ref = stateAfter(rows)
  expect(read.v.data).toEqual(ref.v.data)
  expect(read.i.data).toEqual(ref.i.data)
}

/** The call's promise, noting its name in `order` when it settles. */
function noting<T>(order: string[], name: string, call: Promise<T>): Promise<T> {
  return call.then((r) => {
    order.push(name)
    return r
  })
}

const gc = (globalThis as { gc?: () => void }).gc

describe('wasm-simd step states', () => {
  it('a disposed handle is refused after its memory went to a later state, which reads right', async () => {
    const layer = await create()
    const [x, y, z] = [row(), row(), row()]
    const a = await layer.step(x)
    const b = await layer.step(y, a.state)
    a.state.dispose()
    const c = await layer.step(z, b.state) // takes what a held
    await expect(layer.step(z, a.state)).rejects.toBeInstanceOf(DisposedError)
    await expect(a.state.read()).rejects.toBeInstanceOf(DisposedError)
    a.state.dispose() // a second dispose frees nothing a later state holds
    await expectState(b.state, [x, y])
    await expectState(c.state, [x, y, z])
    const d = await layer.step(x, c.state)
    await expectState(d.state, [x, y, z, x])
    await layer.dispose()
  })

  it('read() called just before dispose() reads the state, not the next one in its memory', async () => {
    const layer = await create()
    const [x, y] = [row(), row()]
    const a = await layer.step(x)
    const reading = a.state.read()
    a.state.dispose()
    const b = await layer.step(y) // a's block is free: this state is written there
    expect((await reading).v.data).toEqual(stateAfter([x]).v.data)
    await expectState(b.state, [y])
    await layer.dispose()
  })

  it('a step called while a two-thread run is in progress runs after it', async () => {
    const engine = await getSharedEngine()
    if (!engine?.helper) throw new Error('Node has a shared memory and a helper thread here')
    const layer = await create()
    const [x, y] = [row(), row()]
    const first = await layer.step(x)
    // Zero-copy and large: split with the helper thread.
    const steps = 8192
    const xs = layer.allocate([steps, N])
    xs.data.set(Float32Array.from({ length: steps * N }, () => rand()))
    const out = layer.allocate([steps, N])
    const order: string[] = []
    const ran = noting(order, 'run', layer.run(xs, first.state, { output: out.data }))
    const stepped = noting(order, 'step', layer.step(y, first.state))
    const [r, s] = await Promise.all([ran, stepped])
    expect(order).toEqual(['run', 'step'])
    expect(s.v.data).toEqual(stateAfter([x, y]).v.data)
    const reference = simulate(
      resolveSpec(spec),
      { data: xs.data.slice(), shape: [steps, N] },
      stateAfter([x]),
    )
    expect(r.state.v.data).toEqual(reference.state.v.data)
    await layer.dispose()
  })

  it('handles dropped without dispose() are freed by the finalizer while the layer lives', async () => {
    if (!gc) throw new Error('the test runs with --expose-gc (vitest.config.ts)')
    const engine = await getEngine()
    const layer = await create()
    const x = row()
    let state: StateHandle | undefined = (await layer.step(x)).state
    // Warm: one state in use, the step's scratch placed.
    const before = engine.bytesInUse
    for (let k = 0; k < 200; k++) state = (await layer.step(x, state)).state
    expect(engine.bytesInUse).toBeGreaterThan(before + 100 * 2 * N * 4)
    const kept = state
    state = undefined
    // Finalizers run as tasks after a collection: collect, then let the event loop turn.
    for (let k = 0; k < 50 && engine.bytesInUse > before; k++) {
      gc()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(engine.bytesInUse).toBe(before)
    await expectState(kept, Array(201).fill(x))
    await layer.dispose()
  })
})
