import type { Backend, Layer, StateHandle } from '../backend/types.js'
import { type LayerSpec, type LIState, resolveSpec } from '../layer/spec.js'
import { simulate } from '../math/li.js'
import { mulberry32 } from '../random/mulberry32.js'
import { relativeError } from '../tensor/compare.js'
import type { Tensor } from '../tensor/tensor.js'

/**
 * What a caller gets back and what a call sees, the same on every backend: results that own their
 * memory (and that no edit or transfer of can reach a state), inputs as they were when the call
 * was made, SharedArrayBuffer-backed arrays like ordinary ones, and nothing to compute returning at
 * once. Each check is a plain async function that throws on failure (see checks.ts).
 */
export interface CallerCheck {
  readonly name: string
  run(): Promise<void>
}

function fail(message: string): never {
  throw new Error(message)
}

function expectClose(what: string, ours: Float32Array, reference: Float32Array, tolerance: number): void {
  if (ours.length !== reference.length) fail(`${what}: ${ours.length} values, expected ${reference.length}`)
  const error = relativeError(ours, reference)
  if (!(error <= tolerance)) fail(`${what}: error ${error.toExponential(2)} > tolerance ${tolerance}`)
}

/** Exactly its own memory: transferring or growing it can touch nothing else. */
function expectOwned(what: string, data: Float32Array): void {
  if (typeof SharedArrayBuffer === 'function' && data.buffer instanceof SharedArrayBuffer)
    fail(`${what} lives in a SharedArrayBuffer`)
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
    fail(
      `${what} is a view of ${data.buffer.byteLength} bytes at offset ${data.byteOffset}, not ${data.byteLength} bytes of its own`,
    )
  }
}

/** Hands the array's memory away (as postMessage with a transfer list does): the array is detached. */
function transfer(data: Float32Array): void {
  structuredClone(data, { transfer: [data.buffer as ArrayBuffer] })
  if (data.length !== 0) fail('structuredClone did not detach the transferred array')
}

async function withLayers<T>(
  backend: Backend,
  specs: readonly LayerSpec[],
  use: (layers: Layer[]) => Promise<T>,
): Promise<T> {
  const layers: Layer[] = []
  try {
    for (const spec of specs) layers.push(await backend.createLayer(spec))
    return await use(layers)
  } finally {
    await Promise.all(layers.map((l) => l.dispose()))
  }
}

function sequence(rand: () => number, steps: number, columns: number): Tensor {
  return {
    data: Float32Array.from({ length: steps * columns }, () => 2 * rand() - 1),
    shape: [steps, columns],
  }
}

function rowOf(t: Tensor, row: number): Float32Array {
  const size = t.data.length / (t.shape[0] as number)
  return t.data.slice(row * size, (row + 1) * size)
}

function copyOf(s: LIState): LIState {
  return {
    v: { data: s.v.data.slice(), shape: [...s.v.shape] },
    i: { data: s.i.data.slice(), shape: [...s.i.shape] },
  }
}

/** Settles within `ms` or fails naming what hung. */
async function within<T>(ms: number, what: string, call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms / 1000} s`)), ms)
  })
  try {
    return await Promise.race([call, late])
  } finally {
    clearTimeout(timer)
  }
}

/** How many neurons the wide case has: past every slab cut and past node-cpu's JS-loop steps. */
export const WIDE_NEURONS = 200_001

export function callerChecks(backend: Backend): CallerCheck[] {
  const checks: CallerCheck[] = []
  const add = (name: string, run: () => Promise<void>) => checks.push({ name, run })

  for (const neurons of [3, WIDE_NEURONS]) {
    add(
      `N = ${neurons}: every tensor returned owns exactly its memory, and editing or transferring a returned v changes no state`,
      () =>
        withLayers(backend, [{ neurons }, { neurons }], async ([layer, other]) => {
          if (!layer || !other) fail('no layers')
          const spec = resolveSpec({ neurons })
          const xs = sequence(mulberry32(neurons), 3, neurons)
          const reference = [1, 2, 3].map((t) =>
            simulate(spec, { data: xs.data.subarray(0, t * neurons), shape: [t, neurons] }),
          )
          const x = (t: number) => ({ data: rowOf(xs, t), shape: [neurons] })
          const tolerance = layer.tolerance.step
          const expectState = async (what: string, handle: StateHandle, t: number) => {
            const read = await handle.read()
            const ref = reference[t]?.state as LIState
            expectOwned(`${what}: read() v`, read.v.data)
            expectClose(`${what}: v`, read.v.data, ref.v.data, tolerance)
            expectClose(`${what}: i`, read.i.data, ref.i.data, tolerance)
          }

          const theirs = await other.step(x(0))
          const first = await layer.step(x(0))
          expectOwned('step v', first.v.data)
          expectClose('step v', first.v.data, rowOf(reference[0]?.voltages as Tensor, 0), tolerance)
          first.v.data.fill(1e6)
          await expectState('the state after its v was edited', first.state, 0)
          const second = await layer.step(x(1), first.state)
          expectClose(
            'the step after the edit',
            second.v.data,
            rowOf(reference[1]?.voltages as Tensor, 1),
            tolerance,
          )
          transfer(second.v.data)
          transfer(first.v.data)
          await expectState('the state after its v was transferred', second.state, 1)
          await expectState("another layer's state after this layer's v were transferred", theirs.state, 0)
          const third = await layer.step(x(2), second.state)
          expectClose(
            'the step after the transfer',
            third.v.data,
            rowOf(reference[2]?.voltages as Tensor, 2),
            tolerance,
          )

          const ran = await layer.run({ data: xs.data.subarray(0, 2 * neurons), shape: [2, neurons] })
          for (const [what, t] of [
            ['run voltages', ran.voltages],
            ['run state.v', ran.state.v],
            ['run state.i', ran.state.i],
          ] as const)
            expectOwned(what, t.data)
          expectClose(
            'run voltages',
            ran.voltages.data,
            reference[1]?.voltages.data as Float32Array,
            layer.tolerance.run,
          )
          transfer(ran.voltages.data)
          transfer(ran.state.v.data)
          transfer(ran.state.i.data)
          await expectState('a state after run results were transferred', third.state, 2)
          await expectState("another layer's state after run results were transferred", theirs.state, 0)
          if (neurons < 100) {
            const recorded = await layer.run(xs, undefined, { recordStates: true })
            const states = recorded.states ?? fail('recordStates gave no states')
            expectOwned('recorded i', states.i.data)
            expectOwned('recorded v', states.v.data)
          }
        }),
    )
  }

  add('a call sees its input and plain state as they were when it was made, even while queued', () => {
    const neurons = 4
    const spec: LayerSpec = { neurons, params: { tauMemInv: 150, vLeak: 0.25 } }
    return withLayers(backend, [spec], async ([layer]) => {
      if (!layer) fail('no layer')
      const rand = mulberry32(11)
      const long = sequence(rand, 2000, neurons)
      const xs = sequence(rand, 6, neurons)
      const state: LIState = {
        v: { data: Float32Array.from({ length: neurons }, rand), shape: [neurons] },
        i: { data: Float32Array.from({ length: neurons }, rand), shape: [neurons] },
      }
      const x = { data: rowOf(xs, 0), shape: [neurons] }
      const original = {
        xs: { data: xs.data.slice(), shape: xs.shape },
        state: copyOf(state),
        x: x.data.slice(),
      }
      // A long run first, so the calls after it are queued; then the caller overwrites everything.
      const busy = layer.run(long)
      const ran = layer.run(xs, state)
      const stepped = layer.step(x, state)
      xs.data.fill(99)
      x.data.fill(99)
      state.v.data.fill(-99)
      state.i.data.fill(99)
      await busy
      const reference = simulate(resolveSpec(spec), original.xs, original.state)
      expectClose('queued run', (await ran).voltages.data, reference.voltages.data, layer.tolerance.run)
      const one = simulate(resolveSpec(spec), { data: original.x, shape: [1, neurons] }, original.state)
      expectClose('queued step', (await stepped).v.data, one.voltages.data, layer.tolerance.step)
    })
  })

  add('SharedArrayBuffer-backed input, state and output behave as ordinary arrays', () =>
    withLayers(backend, [{ neurons: 5 }], async ([layer]) => {
      if (!layer) fail('no layer')
      if (typeof SharedArrayBuffer !== 'function') return // not cross-origin isolated: no such arrays here
      const shared = (from: Float32Array) => {
        const data = new Float32Array(new SharedArrayBuffer(from.byteLength))
        data.set(from)
        return data
      }
      const rand = mulberry32(5)
      const xs = sequence(rand, 4, 5)
      const state: LIState = {
        v: { data: Float32Array.from({ length: 5 }, rand), shape: [5] },
        i: { data: Float32Array.from({ length: 5 }, rand), shape: [5] },
      }
      const reference = simulate(resolveSpec({ neurons: 5 }), xs, state)
      const sharedState = {
        v: { data: shared(state.v.data), shape: [5] },
        i: { data: shared(state.i.data), shape: [5] },
      }
      const ran = await layer.run({ data: shared(xs.data), shape: xs.shape }, sharedState)
      expectClose('run', ran.voltages.data, reference.voltages.data, layer.tolerance.run)
      expectOwned('run voltages', ran.voltages.data)
      expectOwned('run state.v', ran.state.v.data)
      const output = shared(new Float32Array(xs.data.length))
      const into = await layer.run({ data: shared(xs.data), shape: xs.shape }, sharedState, { output })
      if (into.voltages.data !== output) fail('run with a shared output buffer returned another array')
      expectClose('run into a shared output', output, reference.voltages.data, layer.tolerance.run)
      const x = { data: shared(rowOf(xs, 0)), shape: [5] }
      const stepped = await layer.step(x, sharedState)
      expectOwned('step v', stepped.v.data)
      expectClose('step', stepped.v.data, rowOf(reference.voltages, 0), layer.tolerance.step)
    }),
  )

  add('a zero-size batch returns at once at any T: no voltages, the state unchanged', () =>
    withLayers(backend, [{ neurons: 3 }], async ([layer]) => {
      if (!layer) fail('no layer')
      const empty = { data: new Float32Array(0), shape: [0, 3] }
      const huge = { data: new Float32Array(0), shape: [1e9, 0, 3] }
      const ran = await within(
        10_000,
        'run of [1e9, 0, 3]',
        layer.run(huge, { v: empty, i: empty }, { recordStates: true }),
      )
      if (ran.voltages.data.length !== 0 || ran.voltages.shape.join() !== '1000000000,0,3')
        fail(`voltages [${ran.voltages.shape}] with ${ran.voltages.data.length} values`)
      if (ran.state.v.shape.join() !== '0,3' || ran.state.i.data.length !== 0)
        fail(`state [${ran.state.v.shape}]`)
      const stepped = await within(
        10_000,
        'step of [0, 3]',
        layer.step({ data: new Float32Array(0), shape: [0, 3] }),
      )
      if (stepped.v.data.length !== 0 || stepped.v.shape.join() !== '0,3') fail(`step v [${stepped.v.shape}]`)
      const again = await within(10_000, 'run from an empty handle', layer.run(huge, stepped.state))
      if (again.state.v.shape.join() !== '0,3') fail(`state from the handle [${again.state.v.shape}]`)
      if ((await stepped.state.read()).v.data.length !== 0) fail('the empty handle read non-empty')
    }),
  )

  return checks
}
