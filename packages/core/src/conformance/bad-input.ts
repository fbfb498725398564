import type { Backend, Layer, StateHandle } from '../backend/types.js'
import { LeakyError } from '../errors/errors.js'
import type { LayerSpec, LIState } from '../layer/spec.js'
import type { Tensor } from '../tensor/tensor.js'

/** One row of the bad-input table: what was done, the error code expected and what came. */
export interface BadInputRow {
  readonly case: string
  readonly expected: string
  readonly got: string
  readonly pass: boolean
}

async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call()
    return 'no error'
  } catch (error) {
    return error instanceof LeakyError
      ? error.code
      : `${error instanceof Error ? error.name : typeof error} (untyped)`
  }
}

/** A call that has not settled within `ms` is a failure of its own ('hung'), not a wait for ever. */
async function within<T>(ms: number, call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung (no answer within ${ms / 1000} s)`)), ms)
  })
  try {
    return await Promise.race([call, late])
  } finally {
    clearTimeout(timer)
  }
}

function equal(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, k) => Object.is(x, b[k]))
}

/**
 * Every bad input leaky promises a typed error for, run through one backend's public interface:
 * wrong shapes, dtypes, parameters, dt, sizes, states and handles, a disposed layer. The same
 * table runs on every backend (so each gets the same error class), and the layer's previous
 * state must still work afterwards.
 */
export async function badInputTable(backend: Backend): Promise<BadInputRow[]> {
  const neurons = 4
  const layer: Layer = await backend.createLayer({ neurons, dt: 0.001 })
  const x = { data: new Float32Array(neurons).fill(1), shape: [neurons] }
  const good = await layer.step(x)
  const expected = await layer.step(x, good.state)
  const other = await backend.createLayer({ neurons: 2 })
  const foreign: StateHandle = (await other.step({ data: Float32Array.of(1, 1), shape: [2] })).state
  const table: [string, string, () => Promise<unknown>][] = [
    [
      'input with the wrong last axis',
      'E_SHAPE',
      () => layer.step({ data: new Float32Array(3), shape: [3] }, good.state),
    ],
    ['sequence without a time axis', 'E_SHAPE', () => layer.run(x)],
    [
      'data shorter than its shape',
      'E_SHAPE',
      () => layer.step({ data: new Float32Array(2), shape: [neurons] }, good.state),
    ],
    [
      'Float64Array data',
      'E_DTYPE',
      () =>
        layer.step(
          { data: new Float64Array(neurons) as unknown as Float32Array, shape: [neurons] },
          good.state,
        ),
    ],
    [
      'plain array data',
      'E_DTYPE',
      () => layer.step({ data: [1, 2, 3, 4] as unknown as Float32Array, shape: [neurons] }, good.state),
    ],
    ['not a tensor', 'E_DTYPE', () => layer.run(null as unknown as Tensor)],
    [
      'state of the wrong shape',
      'E_SHAPE',
      () =>
        layer.step(x, {
          v: { data: new Float32Array(3), shape: [3] },
          i: { data: new Float32Array(3), shape: [3] },
        }),
    ],
    ['state without i', 'E_SHAPE', () => layer.step(x, { v: x } as unknown as LIState)],
    [
      'state handle for another batch',
      'E_SHAPE',
      () => layer.step({ data: new Float32Array(2 * neurons), shape: [2, neurons] }, good.state),
    ],
    [
      'sequence whose batch differs from the state',
      'E_SHAPE',
      () => layer.run({ data: new Float32Array(2 * 2 * neurons), shape: [2, 2, neurons] }, good.state),
    ],
    ['dt = 0', 'E_PARAMETER', () => backend.createLayer({ neurons, dt: 0 })],
    ['dt = NaN', 'E_PARAMETER', () => backend.createLayer({ neurons, dt: Number.NaN })],
    ['dt < 0', 'E_PARAMETER', () => backend.createLayer({ neurons, dt: -0.001 })],
    [
      'dt so large dt·tauInv overflows float32',
      'E_PARAMETER',
      () => backend.createLayer({ neurons, dt: 1e37 }),
    ],
    ['dt = Infinity', 'E_PARAMETER', () => backend.createLayer({ neurons, dt: Number.POSITIVE_INFINITY })],
    [
      'tauMemInv = Infinity',
      'E_PARAMETER',
      () => backend.createLayer({ neurons, params: { tauMemInv: Number.POSITIVE_INFINITY } }),
    ],
    [
      'per-neuron vLeak of the wrong length',
      'E_SHAPE',
      () => backend.createLayer({ neurons, params: { vLeak: new Float32Array(3) } }),
    ],
    ['zero neurons', 'E_PARAMETER', () => backend.createLayer({ neurons: 0 })],
    ['2.5 neurons', 'E_PARAMETER', () => backend.createLayer({ neurons: 2.5 })],
    [
      'weights with Float64Array data',
      'E_DTYPE',
      () =>
        backend.createLayer({
          neurons,
          weights: { data: new Float64Array(8) as unknown as Float32Array, shape: [neurons, 2] },
        }),
    ],
    [
      'a per-neuron parameter as a plain array',
      'E_PARAMETER',
      () => backend.createLayer({ neurons, params: { tauSynInv: [1, 2, 3, 4] as unknown as Float32Array } }),
    ],
    [
      'output buffer of the wrong length',
      'E_SHAPE',
      () =>
        layer.run({ data: new Float32Array(2 * neurons), shape: [2, neurons] }, undefined, {
          output: new Float32Array(3),
        }),
    ],
    [
      'weights not [neurons, inputs]',
      'E_SHAPE',
      () => backend.createLayer({ neurons, weights: { data: new Float32Array(6), shape: [3, 2] } }),
    ],
  ]

  table.push(
    ['a state handle from a layer of another size', 'E_SHAPE', () => layer.step(x, foreign)],
    [
      'a run too large to allocate (5e9 voltages from a 2 MB input)',
      'E_CAPACITY',
      async () => {
        const wide = await backend.createLayer({
          neurons: 10_000,
          weights: { data: new Float32Array(10_000), shape: [10_000, 1] },
        })
        try {
          await wide.run({ data: new Float32Array(500_000), shape: [500_000, 1] })
        } finally {
          await wide.dispose()
        }
      },
    ],
    [
      'NaN input with checkFinite on',
      'E_NON_FINITE',
      async () => {
        const strict = await backend.createLayer({ neurons, checkFinite: true })
        try {
          await strict.step({ data: new Float32Array(neurons).fill(Number.NaN), shape: [neurons] })
        } finally {
          await strict.dispose()
        }
      },
    ],
  )
  table.push(
    [
      'a misspelled spec key (neuron)',
      'E_PARAMETER',
      () => backend.createLayer({ neuron: 4 } as unknown as LayerSpec),
    ],
    [
      'an unknown spec key',
      'E_PARAMETER',
      () => backend.createLayer({ neurons, tau: 2 } as unknown as LayerSpec),
    ],
    [
      'a misspelled parameter (tauMemInV)',
      'E_PARAMETER',
      () => backend.createLayer({ neurons, params: { tauMemInV: 50 } as unknown as LayerSpec['params'] }),
    ],
    [
      'a parameter under both names (tauMemInv and tau_mem_inv)',
      'E_PARAMETER',
      () =>
        backend.createLayer({
          neurons,
          params: { tauMemInv: 50, tau_mem_inv: 60 } as unknown as LayerSpec['params'],
        }),
    ],
    [
      'a scalar parameter beyond float32 (vLeak = 1e39)',
      'E_PARAMETER',
      () => backend.createLayer({ neurons, params: { vLeak: 1e39 } }),
    ],
    [
      'NaN weights with checkFinite on',
      'E_NON_FINITE',
      () =>
        backend.createLayer({
          neurons,
          checkFinite: true,
          weights: { data: new Float32Array(neurons * 2).fill(Number.NaN), shape: [neurons, 2] },
        }),
    ],
    [
      'Infinite weights with checkFinite on',
      'E_NON_FINITE',
      () =>
        backend.createLayer({
          neurons,
          checkFinite: true,
          weights: { data: Float32Array.of(1, 2, 3, Number.NEGATIVE_INFINITY), shape: [neurons, 1] },
        }),
    ],
    [
      'a layer of 2^32 neurons (more than an array holds)',
      'E_CAPACITY',
      () => backend.createLayer({ neurons: 2 ** 32 }),
    ],
    [
      'a zero-size batch at T = 1e9 (returns at once, empty)',
      'no error',
      () => within(10_000, layer.run({ data: new Float32Array(0), shape: [1e9, 0, neurons] })),
    ],
  )
  const rows: BadInputRow[] = []
  for (const [what, code, call] of table) {
    const got = await outcome(call)
    rows.push({ case: what, expected: code, got, pass: got === code })
  }
  const after = await layer.step(x, good.state)
  const intact = equal(after.v.data, expected.v.data)
  rows.push({
    case: 'the previous state still works after all of the above',
    expected: 'same v',
    got: intact ? 'same v' : 'different v',
    pass: intact,
  })
  await other.dispose()
  await layer.dispose()
  const disposed = await outcome(() => layer.step(x))
  rows.push({
    case: 'a layer used after dispose()',
    expected: 'E_DISPOSED',
    got: disposed,
    pass: disposed === 'E_DISPOSED',
  })
  return rows
}
