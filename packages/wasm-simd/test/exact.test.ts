import {
  jsBackend,
  type LayerSpec,
  type LIState,
  mulberry32,
  relativeError,
  resolveSpec,
  ShapeError,
  type StateHandle,
  simulate,
  type Tensor,
  UnsupportedError,
} from '@leaky/core'
import { caseSpec, runCase, stepCase, stepSequence } from '@leaky/core/conformance'
import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describe, expect, it } from 'vitest'
import { PLAIN_WASM, SHARED_WASM } from '../src/generated/li-wasm.js'
import { type Engine, getEngine, getSharedEngine, wasmSimdBackend } from '../src/index.js'
import { indexInts, packedWeightFloats, packWeights, type WasmSimdLayer } from '../src/layer.js'
import { OP, startHelper } from '../src/threads.js'

const golden = loadGoldenFiles()

/** Bit-for-bit equality (NaN payloads included), with the first difference in the message. */
function expectSameBits(what: string, ours: Float32Array, reference: Float32Array): void {
  expect(ours.length, `${what}: length`).toBe(reference.length)
  const a = new Uint32Array(ours.buffer, ours.byteOffset, ours.length)
  const b = new Uint32Array(reference.buffer, reference.byteOffset, reference.length)
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) throw new Error(`${what}: element ${k} is ${ours[k]}, js gives ${reference[k]}`)
  }
}

const create = (spec: LayerSpec) => wasmSimdBackend.createLayer(spec) as Promise<WasmSimdLayer>

function random(seed: number) {
  const rand = mulberry32(seed)
  return (n: number, lo: number, hi: number) =>
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rand())
}

/** A feed-forward case with the given shape, scalar or per-neuron parameters, from a random state. */
function ffCase(seed: number, steps: number, batch: number[], neurons: number, perNeuron: boolean) {
  const vec = random(seed)
  const size = batch.reduce((a, b) => a * b, 1) * neurons
  const spec: LayerSpec = {
    neurons,
    params: perNeuron
      ? { tauSynInv: vec(neurons, 50, 400), tauMemInv: vec(neurons, 20, 200), vLeak: vec(neurons, -1, 1) }
      : { tauSynInv: 250, tauMemInv: 120, vLeak: 0.25 },
  }
  const xs: Tensor = { data: vec(steps * size, -2, 2), shape: [steps, ...batch, neurons] }
  const state: LIState = {
    v: { data: vec(size, -1, 1), shape: [...batch, neurons] },
    i: { data: vec(size, -1, 1), shape: [...batch, neurons] },
  }
  return { spec, xs, state }
}

/**
 * run (the caller's arrays), a step at a time, and zero-copy (x and the output allocate()d, one
 * kernel call, nothing copied) each give the js loop's bits: voltages and final state.
 */
async function expectJsBitsEverywhere(spec: LayerSpec, xs: Tensor, state: LIState): Promise<void> {
  const reference = simulate(resolveSpec(spec), xs, state)
  const layer = await create(spec)
  try {
    const ran = await layer.run(xs, state)
    expectSameBits('run', ran.voltages.data, reference.voltages.data)
    expectSameBits('run final i', ran.state.i.data, reference.state.i.data)
    const stepped = await stepSequence(layer, xs, state)
    expectSameBits('step', stepped.outputs.data, reference.voltages.data)
    expectSameBits('step final i', stepped.final.i.data, reference.state.i.data)
    const x = layer.allocate(xs.shape)
    x.data.set(xs.data)
    const out = layer.allocate(reference.voltages.shape)
    const zero = await layer.run(x, state, { output: out.data })
    expect(zero.voltages.data).toBe(out.data)
    expectSameBits('zero-copy', out.data, reference.voltages.data)
    expectSameBits('zero-copy final v', zero.state.v.data, reference.state.v.data)
  } finally {
    await layer.dispose()
  }
}

describe('wasm-simd is bit-exact with the js backend', () => {
  const feedForward = golden.flatMap((f) => f.cases).filter((c) => c.kind === 'feed_forward')

  it('has feed-forward golden cases to compare', () => {
    expect(feedForward.length).toBeGreaterThan(0)
  })

  for (const c of feedForward) {
    it(`golden ${c.name}: run and step give js's bits`, async () => {
      const ours = await create(caseSpec(c))
      const js = await jsBackend.createLayer(caseSpec(c))
      try {
        for (const mode of ['run', 'step'] as const) {
          const verify = mode === 'run' ? runCase : stepCase
          const [a, b] = [await verify(ours, c), await verify(js, c)]
          expectSameBits(`${mode} outputs`, a.outputs.data, b.outputs.data)
          expectSameBits(`${mode} final v`, a.final.v.data, b.final.v.data)
          expectSameBits(`${mode} final i`, a.final.i.data, b.final.i.data)
        }
      } finally {
        await ours.dispose()
        await js.dispose()
      }
    })
  }

  // Widths off the 16- and 4-lane chunks, steps off the time tiles, batch dims, per-neuron
  // parameters, and layers wider than a copy tile (the caller's arrays go through wasm memory in tiles).
  const shapes: [number, number[], number, boolean][] = [
    [1, [], 1, false],
    [37, [], 19, false],
    [9, [2, 3], 7, true],
    [20, [3], 33, true],
    [17, [], 5000, false],
    [19, [2], 4500, true],
    [5, [700], 10, true],
  ]
  for (const [steps, batch, neurons, perNeuron] of shapes) {
    it(`T=${steps} batch [${batch}] N=${neurons} ${perNeuron ? 'per-neuron' : 'scalar'}: run, step, zero-copy`, async () => {
      const { spec, xs, state } = ffCase(steps * 31 + neurons, steps, batch, neurons, perNeuron)
      await expectJsBitsEverywhere(spec, xs, state)
    })
  }
})

describe("vLeak = ±0 (Norse's default): li.wat's shorter form of the update", () => {
  // (vLeak − v) + j is computed as j − v: the same bits unless signed zeros or rounding say
  // otherwise, so the inputs mix signed zeros, subnormals and large values into random ones.
  const special = [0, -0, 1e-40, -1e-40, 3e38, -3e38, 1e-7, -1]
  function mixed(seed: number, n: number): Float32Array {
    const rand = mulberry32(seed)
    return Float32Array.from({ length: n }, () =>
      rand() < 0.4 ? (special[Math.floor(rand() * special.length)] as number) : 4 * rand() - 2,
    )
  }
  for (const vLeak of [0, -0]) {
    it(`vLeak = ${Object.is(vLeak, -0) ? '-0' : '+0'}: run, step and zero-copy give js's bits`, async () => {
      const steps = 37
      const neurons = 16 * 5 + 4 + 3
      const spec: LayerSpec = { neurons, params: { tauSynInv: 250, tauMemInv: 120, vLeak } }
      const xs: Tensor = { data: mixed(1, steps * neurons), shape: [steps, neurons] }
      const state: LIState = {
        v: { data: mixed(2, neurons), shape: [neurons] },
        i: { data: mixed(3, neurons), shape: [neurons] },
      }
      await expectJsBitsEverywhere(spec, xs, state)
    })
  }
})

describe('two threads over the shared memory', () => {
  it('has a helper thread in Node (this machine has 2 cores)', async () => {
    expect((await getSharedEngine())?.helper).toBeDefined()
  })

  // Large enough to be split between this thread and the helper: rows split, neurons split.
  const shapes: [number, number[], number, boolean][] = [
    [64, [], 5000, false],
    [64, [], 4500, true],
    [40, [4], 2000, true],
    [33, [3], 3001, false],
  ]
  for (const [steps, batch, neurons, perNeuron] of shapes) {
    it(`zero-copy T=${steps} batch [${batch}] N=${neurons} ${perNeuron ? 'per-neuron' : 'scalar'}: js's bits`, async () => {
      const { spec, xs, state } = ffCase(steps + neurons, steps, batch, neurons, perNeuron)
      const reference = simulate(resolveSpec(spec), xs, state)
      const layer = await create(spec)
      try {
        const x = layer.allocate(xs.shape)
        x.data.set(xs.data)
        const out = layer.allocate(reference.voltages.shape)
        const ran = await layer.run(x, state, { output: out.data })
        expectSameBits('two threads', out.data, reference.voltages.data)
        expectSameBits('two threads final v', ran.state.v.data, reference.state.v.data)
        expectSameBits('two threads final i', ran.state.i.data, reference.state.i.data)
      } finally {
        await layer.dispose()
      }
    })
  }

  // The caller's arrays, large enough for the pipeline (the helper computes a tile while this thread
  // copies the next in and the previous out): narrow layers in whole time slices, wide ones in
  // pieces of rows, per-neuron rows split mid-row.
  // (at least 2²² neuron-steps: smaller runs stay on one thread).
  const pipelined: [number, number[], number, boolean][] = [
    [70, [], 60000, false],
    [40, [], 150000, false],
    [50, [3], 30000, true],
    [30, [], 150000, true],
    [40, [5], 30000, true],
    [263, [2], 8000, false],
  ]
  for (const [steps, batch, neurons, perNeuron] of pipelined) {
    it(`caller arrays T=${steps} batch [${batch}] N=${neurons} ${perNeuron ? 'per-neuron' : 'scalar'}: js's bits`, async () => {
      const { spec, xs, state } = ffCase(steps * 7 + neurons, steps, batch, neurons, perNeuron)
      const reference = simulate(resolveSpec(spec), xs, state)
      const layer = await create(spec)
      try {
        const ran = await layer.run(xs, state)
        expectSameBits('pipelined', ran.voltages.data, reference.voltages.data)
        expectSameBits('pipelined final v', ran.state.v.data, reference.state.v.data)
        expectSameBits('pipelined final i', ran.state.i.data, reference.state.i.data)
      } finally {
        await layer.dispose()
      }
    })
  }

  it('a run reads the x it was given: overwriting it right after the call changes nothing', async () => {
    // Not queued (the layer is idle), so BaseLayer hands x over in place; the pipelined copies and
    // a weighted run's slices must all be taken before the call first yields.
    const ff = ffCase(5, 70, [], 60000, true)
    const rand = mulberry32(9)
    const [steps, rows, inputs, neurons] = [30, 4, 300, 200]
    const weighted: LayerSpec = {
      neurons,
      weights: { data: random(8)(neurons * inputs, -0.5, 0.5), shape: [neurons, inputs] },
    }
    const wx: Tensor = {
      data: Float32Array.from({ length: steps * rows * inputs }, () => (rand() < 0.1 ? 1 : 0)),
      shape: [steps, rows, inputs],
    }
    for (const [spec, xs, state] of [
      [ff.spec, ff.xs, ff.state],
      [weighted, wx, undefined],
    ] as const) {
      const layer = await create(spec)
      try {
        const original = { data: xs.data.slice(), shape: xs.shape }
        const reference = await layer.run(original, state)
        const running = layer.run(xs, state)
        xs.data.fill(1e30)
        const ran = await running
        expectSameBits('overwritten after the call', ran.voltages.data, reference.voltages.data)
        // recordStates from a resident state handle reads x after taking the state out.
        const handle = (
          await layer.step(
            {
              data: original.data.subarray(0, xs.data.length / (xs.shape[0] as number)),
              shape: xs.shape.slice(1),
            },
            state,
          )
        ).state
        xs.data.set(original.data)
        const recording = layer.run(xs, handle, { recordStates: true })
        xs.data.fill(1e30)
        const expected = await layer.run(original, handle, { recordStates: true })
        expectSameBits(
          'recordStates overwritten after the call',
          (await recording).voltages.data,
          expected.voltages.data,
        )
        handle.dispose()
      } finally {
        await layer.dispose()
      }
    }
  })

  it('a worker that is gone costs time, never a hang: a posted job is taken back, a split runs here', async () => {
    // A helper of its own over a small shared memory, its worker stopped before any job.
    const module = await WebAssembly.compile(Buffer.from(SHARED_WASM, 'base64'))
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true })
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports
    const helper = await startHelper(memory, module, 64)
    if (!helper) throw new Error('Node has a helper thread here')
    await helper.close()
    const { spec, xs, state } = ffCase(5, 24, [], 100, false)
    const { a, b, vLeak } = resolveSpec(spec).coefficients
    const N = 100
    const [x, out, v, i] = [1024, 1024 + 24 * N * 4, 1024 + 48 * N * 4, 1024 + 49 * N * 4]
    const heap = new Float32Array(memory.buffer)
    heap.set(xs.data, x / 4)
    heap.set(state.v.data, v / 4)
    heap.set(state.i.data, i / 4)
    const floats = [a[0], b[0], vLeak[0]] as number[]
    helper.post(OP.li_scalar, [x, out, N, v, i, v, i, N, 24], floats)
    expect(helper.wait()).toBe(false)
    expect(heap.subarray(out / 4, out / 4 + 24 * N).every((e) => e === 0)).toBe(true)
    // Set aside: the engine's calls now run on one thread instead of waiting again.
    expect(helper.ready).toBe(false)
    // Pieces of 16 neurons: the worker takes none, so all of them run on this thread.
    helper.split(OP.split_scalar, [7, 16, N, x, out, N, v, i, v, i, 24], floats, kernels)
    const reference = simulate(resolveSpec(spec), xs, state)
    expectSameBits('split without a worker', heap.slice(out / 4, out / 4 + 24 * N), reference.voltages.data)
    expectSameBits('final i', heap.slice(i / 4, i / 4 + N), reference.state.i.data)
  })

  it('a worker set aside (a job of its taken back) is used again once it shows it is awake', async () => {
    const module = await WebAssembly.compile(Buffer.from(SHARED_WASM, 'base64'))
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true })
    const helper = await startHelper(memory, module, 64)
    if (!helper) throw new Error('Node has a helper thread here')
    try {
      expect(helper.ready).toBe(true)
      // What a take-back does to the control block ([29], awake), while the worker sleeps or polls.
      Atomics.store(new Int32Array(memory.buffer, 64, 32), 29, 0)
      // Asking wakes it, with no job posted (the engine posts none while it is set aside).
      expect(helper.ready).toBe(false)
      const asked = performance.now()
      while (!helper.ready && performance.now() - asked < 5000) await new Promise((r) => setTimeout(r, 1))
      expect(helper.ready).toBe(true)
      const N = 16
      helper.post(OP.li_scalar, [1024, 1024, N, 2048, 2048 + N * 4, 2048, 2048 + N * 4, N, 4], [0.1, 0.2, 0])
      expect(helper.wait()).toBe(true)
      expect(helper.ready).toBe(true)
    } finally {
      await helper.close()
    }
  })

  it('a worker that fails to start gives no helper at once (one thread), not after the start timeout', async () => {
    // The plain-memory module cannot be instantiated over a shared memory: the worker throws.
    const module = await WebAssembly.compile(Buffer.from(PLAIN_WASM, 'base64'))
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true })
    const started = performance.now()
    expect(await startHelper(memory, module, 64)).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('a kernel that traps in the helper thread is a BackendError, and the helper takes the next job', async () => {
    const engine = (await getSharedEngine()) as Engine
    const helper = engine.helper as NonNullable<Engine['helper']>
    // An address past the end of wasm memory (0xffffff00): the worker's li_scalar traps.
    const bad = -256
    // Posted until the worker takes it: on a loaded machine it may not wake within the take-back time.
    let failure: unknown
    for (let k = 0; k < 50 && failure === undefined; k++) {
      helper.post(OP.li_scalar, [bad, bad, 16, bad, bad, bad, bad, 16, 1], [0.1, 0.2, 0])
      try {
        helper.wait()
      } catch (error) {
        failure = error
      }
    }
    expect(failure).toEqual(
      expect.objectContaining({ code: 'E_BACKEND', message: expect.stringMatching(/helper thread/) }),
    )
    // A split call whose pieces trap on both threads: one error, and the worker is idle after it.
    expect(() =>
      helper.split(
        OP.split_scalar,
        [4, 16, 64, bad, bad, 64, bad, bad, bad, bad, 1],
        [0.1, 0.2, 0],
        engine.kernels,
      ),
    ).toThrow()
    const { spec, xs, state } = ffCase(77, 64, [], 5000, false)
    const reference = simulate(resolveSpec(spec), xs, state)
    const layer = await create(spec)
    try {
      const x = layer.allocate(xs.shape)
      x.data.set(xs.data)
      const out = layer.allocate(reference.voltages.shape)
      await layer.run(x, state, { output: out.data })
      expectSameBits('after a trap', out.data, reference.voltages.data)
    } finally {
      await layer.dispose()
    }
  })

  it('a weighted layer split by rows gives what one thread gives', async () => {
    const rand = mulberry32(3)
    const vec = random(4)
    const [steps, rows, inputs, neurons] = [20, 8, 67, 37]
    const spec: LayerSpec = {
      neurons,
      weights: { data: vec(neurons * inputs, -0.5, 0.5), shape: [neurons, inputs] },
    }
    const xs: Tensor = {
      data: Float32Array.from({ length: steps * rows * inputs }, () => (rand() < 0.2 ? 1 : rand())),
      shape: [steps, rows, inputs],
    }
    const reference = simulate(resolveSpec(spec), xs)
    const layer = await create(spec)
    try {
      const ran = await layer.run(xs)
      expect(relativeError(ran.voltages.data, reference.voltages.data)).toBeLessThanOrEqual(1e-5)
      const stepped = await stepSequence(layer, xs, {
        v: { data: new Float32Array(rows * neurons), shape: [rows, neurons] },
        i: { data: new Float32Array(rows * neurons), shape: [rows, neurons] },
      })
      // One step is one thread's work: the split must not change a bit.
      expectSameBits('threads vs one', ran.voltages.data, stepped.outputs.data)
    } finally {
      await layer.dispose()
    }
  })
})

describe('weighted layers and spikes as events', () => {
  function weightedCase(
    seed: number,
    steps: number,
    rows: number,
    inputs: number,
    neurons: number,
    p: number,
  ) {
    const rand = mulberry32(seed)
    const vec = random(seed + 1)
    const spec: LayerSpec = {
      neurons,
      weights: { data: vec(neurons * inputs, -0.5, 0.5), shape: [neurons, inputs] },
    }
    const xs: Tensor = {
      data: Float32Array.from({ length: steps * rows * inputs }, () => (rand() < p ? 1 : 0)),
      shape: [steps, rows, inputs],
    }
    return { spec, xs }
  }

  for (const [p, label] of [
    [0.1, 'spikes p = 0.1 (event-driven)'],
    [0.9, 'dense input (sgemm)'],
    [0.3, 'rows on both sides of the sparse limit'],
  ] as const) {
    it(`${label}: within 1e-5 of js, run, step and zero-copy`, async () => {
      const { spec, xs } = weightedCase(Math.round(p * 100), 23, 5, 67, 37, p)
      const reference = simulate(resolveSpec(spec), xs)
      const layer = await create(spec)
      try {
        const ran = await layer.run(xs)
        expect(relativeError(ran.voltages.data, reference.voltages.data)).toBeLessThanOrEqual(1e-5)
        const stepped = await stepSequence(layer, xs, {
          v: { data: new Float32Array(5 * 37), shape: [5, 37] },
          i: { data: new Float32Array(5 * 37), shape: [5, 37] },
        })
        expect(relativeError(stepped.outputs.data, reference.voltages.data)).toBeLessThanOrEqual(1e-5)
        const x = layer.allocate(xs.shape)
        x.data.set(xs.data)
        const out = layer.allocate(reference.voltages.shape)
        await layer.run(x, undefined, { output: out.data })
        expectSameBits('zero-copy vs copied', out.data, ran.voltages.data)
      } finally {
        await layer.dispose()
      }
    })
  }

  // Batch dims; the second run is longer than a slice (SLICE_FLOATS: 14 of its steps), so it takes
  // several slices, each split between the threads.
  const batchShapes: [number, number[], number, number][] = [
    [30, [2, 3], 100, 70],
    [40, [32, 32], 64, 72],
  ]
  for (const [steps, batch, inputs, neurons] of batchShapes) {
    const rows = batch.reduce((a, b) => a * b, 1)
    it(`T=${steps} batch [${batch}] ${inputs}→${neurons}, each row its own density: within 1e-5 of js, run, step, zero-copy`, async () => {
      const rand = mulberry32(21)
      const vec = random(22)
      const spec: LayerSpec = {
        neurons,
        weights: { data: vec(neurons * inputs, -0.5, 0.5), shape: [neurons, inputs] },
      }
      // Row r of every step has density r/5 (0 to 1), so each x·Wᵀ call switches path row by row.
      const xs: Tensor = {
        data: Float32Array.from({ length: steps * rows * inputs }, (_, e) =>
          rand() < (Math.floor(e / inputs) % 6) / 5 ? rand() * 2 - 1 : 0,
        ),
        shape: [steps, ...batch, inputs],
      }
      const state: LIState = {
        v: { data: vec(rows * neurons, -1, 1), shape: [...batch, neurons] },
        i: { data: vec(rows * neurons, -1, 1), shape: [...batch, neurons] },
      }
      const reference = simulate(resolveSpec(spec), xs, state)
      const layer = await create(spec)
      try {
        const ran = await layer.run(xs, state)
        expect(relativeError(ran.voltages.data, reference.voltages.data)).toBeLessThanOrEqual(1e-5)
        expect(relativeError(ran.state.i.data, reference.state.i.data)).toBeLessThanOrEqual(1e-5)
        const stepped = await stepSequence(layer, xs, state)
        expect(relativeError(stepped.outputs.data, reference.voltages.data)).toBeLessThanOrEqual(1e-5)
        const x = layer.allocate(xs.shape)
        x.data.set(xs.data)
        const out = layer.allocate(reference.voltages.shape)
        await layer.run(x, state, { output: out.data })
        expectSameBits('zero-copy vs copied', out.data, ran.voltages.data)
        // One of the two in wasm memory: x read in place, or the output written in place.
        const xOnly = await layer.run(x, state)
        expectSameBits('x in wasm memory', xOnly.voltages.data, ran.voltages.data)
        out.data.fill(0)
        await layer.run(xs, state, { output: out.data })
        expectSameBits('output in wasm memory', out.data, ran.voltages.data)
      } finally {
        await layer.dispose()
      }
    })
  }

  /** Blocks of floats[k] floats in engine memory (their byte addresses) for `use`, freed after. */
  function withBlocks(engine: Engine, floats: number[], use: (at: number[]) => void): void {
    const at = floats.map((n) => engine.alloc(n * 4))
    try {
      use(at)
    } finally {
      for (const [k, n] of floats.entries()) engine.free(at[k] as number, n * 4)
    }
  }

  // li.wat's project straight: rows past a block of 32, K off the 16-input groups, N off the
  // 8-output stripes and 32-output panels (and exact multiples), rows whose density puts them on
  // either side of the sparse limit in one call.
  const projectShapes: [number, number, number][] = [
    [9, 70, 45],
    [70, 33, 100],
    [37, 16, 32],
    [33, 64, 8],
    [5, 1, 1],
    [3, 17, 7],
  ]
  // Spikes (every active input 1) take the event-driven path's add-only loop; reals its multiply.
  for (const [rows, K, N] of projectShapes)
    for (const spikes of [false, true]) {
      it(`li.wat project ${rows}×${K}→${N}, ${spikes ? 'spikes' : 'real inputs'}: event-driven and dense rows give the same bits, and x·Wᵀ`, async () => {
        const engine = await getEngine()
        const rand = mulberry32(rows * 1000 + K * 10 + N)
        // Row m has density (m mod 4)/4: empty rows, sparse ones, rows past the limit, full ones.
        const x = Float32Array.from({ length: rows * K }, (_, e) =>
          rand() < (Math.floor(e / K) % 4) / 4 ? (spikes ? 1 : rand() * 2 - 1) : 0,
        )
        const w = Float32Array.from({ length: N * K }, () => rand() - 0.5)
        const size = rows * N
        withBlocks(engine, [rows * K, packedWeightFloats(K, N), indexInts(K), size, size, size], (at) => {
          const [px, pw, pIdx, pSparse, pDense, pMixed] = at as [
            number,
            number,
            number,
            number,
            number,
            number,
          ]
          const heap = engine.heap
          heap.set(x, px / 4)
          packWeights(w, N, K, heap, pw / 4)
          const project = (into: number, limit: number) =>
            engine.kernels.project(px, rows, K, pw, N, into, pIdx, limit)
          project(pSparse, K) // every row event-driven
          project(pDense, 0) // every non-empty row dense
          project(pMixed, Math.floor(K / 3)) // each row its own way
          const read = (p: number) => engine.heap.slice(p / 4, p / 4 + size)
          const dense = read(pDense)
          expectSameBits('sparse vs dense', read(pSparse), dense)
          expectSameBits('per-row choice vs dense', read(pMixed), dense)
          // And all are x·Wᵀ: against a double-precision sum.
          const exact = new Float32Array(size)
          for (let m = 0; m < rows; m++)
            for (let n = 0; n < N; n++) {
              let sum = 0
              for (let k = 0; k < K; k++) sum += (x[m * K + k] as number) * (w[n * K + k] as number)
              exact[m * N + n] = sum
            }
          expect(relativeError(dense, exact)).toBeLessThanOrEqual(1e-6)
        })
      })
    }

  it('li.wat project writes nothing past the rows of N outputs', async () => {
    const engine = await getEngine()
    const [rows, K, N] = [6, 20, 37]
    const rand = mulberry32(5)
    const x = Float32Array.from({ length: rows * K }, () => (rand() < 0.5 ? 1 : 0))
    const w = Float32Array.from({ length: N * K }, () => rand() - 0.5)
    withBlocks(engine, [rows * K, packedWeightFloats(K, N), indexInts(K), rows * N + 64], (at) => {
      const [px, pw, pIdx, pOut] = at as [number, number, number, number]
      const heap = engine.heap
      heap.set(x, px / 4)
      packWeights(w, N, K, heap, pw / 4)
      for (const limit of [0, K]) {
        heap.fill(7, pOut / 4, pOut / 4 + rows * N + 64)
        engine.kernels.project(px, rows, K, pw, N, pOut, pIdx, limit)
        const after = engine.heap.subarray(pOut / 4 + rows * N, pOut / 4 + rows * N + 64)
        expect(after.every((v) => v === 7)).toBe(true)
      }
    })
  })
})

describe('zero-copy tensors', () => {
  /** Node always has a shared memory; a test of lending that cannot lend fails, it does not skip. */
  async function lending(): Promise<Engine> {
    const engine = await getSharedEngine()
    if (!engine) throw new Error('no shared WebAssembly.Memory here')
    return engine
  }

  it('growing wasm memory leaves every tensor handed out valid', async () => {
    const engine = await lending()
    const layer = await create({ neurons: 1000 })
    try {
      const kept = layer.allocate([3, 1000])
      kept.data.fill(0.5)
      const before = engine.memory.buffer.byteLength
      // A run far larger than the memory now: its output in engine memory makes it grow.
      const steps = Math.ceil((before * 2) / 4 / 1000)
      const big = layer.allocate([steps, 1000])
      const ran = await layer.run(kept, undefined, { output: layer.allocate([3, 1000]).data })
      expect(engine.memory.buffer.byteLength).toBeGreaterThan(before)
      expect(big.data.length).toBe(steps * 1000)
      expect(kept.data.length).toBe(3000)
      expect(kept.data.every((x) => x === 0.5)).toBe(true)
      // Still usable in place after the growth, and still the same memory.
      const again = await layer.run(kept)
      expectSameBits('after growth', again.voltages.data, ran.voltages.data)
      kept.data[0] = 2
      expect(new Float32Array(engine.memory.buffer, kept.data.byteOffset, 1)[0]).toBe(2)
    } finally {
      await layer.dispose()
    }
  })

  it('what run and step return owns its memory unless the caller asked for engine memory', async () => {
    const engines = [await lending(), await getEngine()]
    const owned = (a: Float32Array) => !engines.some((e) => e.owns(a))
    const layer = await create({ neurons: 8 })
    try {
      const x = layer.allocate([4, 8])
      x.data.fill(1)
      const ran = await layer.run(x)
      expect(owned(ran.voltages.data) && owned(ran.state.v.data) && owned(ran.state.i.data)).toBe(true)
      const stepped = await layer.step({ data: x.data.subarray(0, 8), shape: [8] })
      expect(owned(stepped.v.data)).toBe(true)
      const read = await stepped.state.read()
      expect(owned(read.v.data) && owned(read.i.data)).toBe(true)
      // The caller's arrays in, the caller's arrays out.
      const copied = await layer.run({ data: x.data.slice(), shape: [4, 8] })
      expect(owned(copied.voltages.data)).toBe(true)
      expectSameBits('copied vs in place', copied.voltages.data, ran.voltages.data)
    } finally {
      await layer.dispose()
    }
  })

  it('a bad shape is a ShapeError; a plain-memory engine says why it cannot lend', async () => {
    const layer = await create({ neurons: 2 })
    try {
      expect(() => layer.allocate([2, -1])).toThrow(ShapeError)
      expect(() => layer.allocate('x' as unknown as number[])).toThrow(ShapeError)
      if (!(await getSharedEngine())) expect(() => layer.allocate([2])).toThrow(UnsupportedError)
      else expect(layer.allocate([0, 2]).data.length).toBe(0)
    } finally {
      await layer.dispose()
    }
  })

  it('states dropped without dispose() and layers disposed give their wasm memory back', async () => {
    const engine = await getEngine()
    const before = engine.bytesInUse
    const layer = await create({ neurons: 64 })
    let state: StateHandle | undefined
    for (let k = 0; k < 50; k++)
      state = (await layer.step({ data: new Float32Array(64), shape: [64] }, state)).state
    layer.allocate([10, 64])
    expect(engine.bytesInUse).toBeGreaterThan(before)
    await layer.dispose()
    expect(engine.bytesInUse).toBe(before)
  })
})
