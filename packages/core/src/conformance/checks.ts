import fc from 'fast-check'
import type { Backend, Layer } from '../backend/types.js'
import { LeakyError } from '../errors/errors.js'
import type { LayerSpec, LIState } from '../layer/spec.js'
import { resolveSpec } from '../layer/spec.js'
import { type RunResult, simulate } from '../math/li.js'
import { mulberry32 } from '../random/mulberry32.js'
import { relativeError } from '../tensor/compare.js'
import type { Tensor } from '../tensor/tensor.js'
import { badInputTable } from './bad-input.js'
import { callerChecks } from './caller.js'
import { caseSpec, type GoldenFile, goldenError } from './golden.js'
import { runCase, stepCase, stepSequence } from './verify.js'

/**
 * The conformance kit: every check a backend must pass, as plain async functions that throw on
 * failure, so the same list runs under vitest in Node and inside a page in a real browser.
 */
export interface Check {
  readonly name: string
  /** Runs the check; throws when the backend fails it. */
  run(): Promise<void>
}

/** Options of {@link conformanceChecks}. */
export interface ConformanceOptions {
  readonly backend: Backend
  /** Golden files to replay; every case of every file runs through `run` and through `step`. */
  readonly golden: readonly GoldenFile[]
  /** fast-check runs per property; lower it for backends with a high per-call cost. */
  readonly numRuns?: number
}

export function fail(message: string): never {
  throw new Error(message)
}

function expectClose(what: string, ours: Float32Array, reference: Float32Array, tolerance: number): void {
  const error = relativeError(ours, reference)
  if (!(error <= tolerance)) fail(`${what}: error ${error.toExponential(2)} > tolerance ${tolerance}`)
}

async function expectLeakyError(what: string, code: string, call: () => Promise<unknown>): Promise<void> {
  let thrown: unknown
  try {
    await call()
  } catch (error) {
    thrown = error
  }
  if (!(thrown instanceof LeakyError)) {
    fail(`${what}: expected a LeakyError ${code}, got ${thrown === undefined ? 'no error' : String(thrown)}`)
  }
  if (thrown.code !== code) fail(`${what}: expected ${code}, got ${thrown.code} (${thrown.message})`)
}

async function withLayer<T>(
  backend: Backend,
  spec: LayerSpec,
  use: (layer: Layer) => Promise<T>,
): Promise<T> {
  const layer = await backend.createLayer(spec)
  try {
    return await use(layer)
  } finally {
    await layer.dispose()
  }
}

/** Small layers with random inputs, parameters (scalar or per neuron), batch dims and weights. */
const layerCase = fc
  .record({
    steps: fc.integer({ min: 1, max: 12 }),
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    neurons: fc.integer({ min: 1, max: 6 }),
    inputs: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    perNeuron: fc.boolean(),
    dt: fc.constantFrom(0.001, 0.0005, 0.002),
    seed: fc.integer(),
  })
  .map((r) => {
    const rand = mulberry32(r.seed)
    const vec = (n: number, lo: number, hi: number) =>
      Float32Array.from({ length: n }, () => lo + (hi - lo) * rand())
    const cols = r.inputs ?? r.neurons
    const xsShape = [r.steps, ...r.batch, cols]
    const xs: Tensor = {
      data: vec(
        xsShape.reduce((a, b) => a * b, 1),
        -2,
        2,
      ),
      shape: xsShape,
    }
    const params = r.perNeuron
      ? {
          tauSynInv: vec(r.neurons, 50, 400),
          tauMemInv: vec(r.neurons, 20, 200),
          vLeak: vec(r.neurons, -1, 1),
        }
      : { tauSynInv: 50 + 350 * rand(), tauMemInv: 20 + 180 * rand(), vLeak: -1 + 2 * rand() }
    const spec: LayerSpec = {
      neurons: r.neurons,
      params,
      dt: r.dt,
      ...(r.inputs ? { weights: { data: vec(r.neurons * cols, -1, 1), shape: [r.neurons, cols] } } : {}),
    }
    const stateShape = [...r.batch, r.neurons]
    const size = stateShape.reduce((a, b) => a * b, 1)
    const state: LIState = {
      v: { data: vec(size, -1, 1), shape: stateShape },
      i: { data: vec(size, -1, 1), shape: stateShape },
    }
    return { spec, xs, state }
  })

/** Every conformance check for a backend, as named checks a test runner can run one by one. */
export function conformanceChecks(options: ConformanceOptions): Check[] {
  const { backend } = options
  const numRuns = options.numRuns ?? 25
  const checks: Check[] = []
  const add = (name: string, run: () => Promise<void>) => checks.push({ name, run })

  for (const file of options.golden) {
    for (const c of file.cases) {
      for (const mode of ['run', 'step'] as const) {
        add(`golden ${c.name} via ${mode}`, () =>
          withLayer(backend, caseSpec(c), async (layer) => {
            const { outputs, final } = mode === 'run' ? await runCase(layer, c) : await stepCase(layer, c)
            const error = goldenError(c, outputs, final)
            if (!(error <= layer.tolerance[mode])) {
              fail(`${c.name} (${mode}): error ${error.toExponential(3)} > ${layer.tolerance[mode]}`)
            }
          }),
        )
      }
    }
  }

  add('run equals the js reference and repeated step, and mutates nothing', () =>
    fc.assert(
      fc.asyncProperty(layerCase, async ({ spec, xs, state }) => {
        const xsBefore = xs.data.slice()
        const vBefore = state.v.data.slice()
        const iBefore = state.i.data.slice()
        const reference = simulate(resolveSpec(spec), xs, state)
        await withLayer(backend, spec, async (layer) => {
          const ran = await layer.run(xs, state)
          expectClose('run vs js', ran.voltages.data, reference.voltages.data, layer.tolerance.run)
          expectClose('run final v vs js', ran.state.v.data, reference.state.v.data, layer.tolerance.run)
          expectClose('run final i vs js', ran.state.i.data, reference.state.i.data, layer.tolerance.run)
          const stepped = await stepSequence(layer, xs, state)
          expectClose('step vs js', stepped.outputs.data, reference.voltages.data, layer.tolerance.step)
          expectClose(
            'step final i vs js',
            stepped.final.i.data,
            reference.state.i.data,
            layer.tolerance.step,
          )
        })
        expectClose('input unchanged', xs.data, xsBefore, 0)
        expectClose('state.v unchanged', state.v.data, vBefore, 0)
        expectClose('state.i unchanged', state.i.data, iBefore, 0)
      }),
      { numRuns },
    ),
  )

  add('linearity: with vLeak = 0 and zero state, the response to x1 + x2 is the sum of responses', () =>
    fc.assert(
      fc.asyncProperty(layerCase, fc.integer(), async ({ spec, xs }, seed) => {
        const rand = mulberry32(seed)
        const zeroLeak = { ...spec, params: { ...spec.params, vLeak: 0 } }
        const other = { data: xs.data.map(() => -2 + 4 * rand()), shape: xs.shape }
        const sum = { data: xs.data.map((x, k) => x + (other.data[k] as number)), shape: xs.shape }
        await withLayer(backend, zeroLeak, async (layer) => {
          const [r1, r2, r12] = [await layer.run(xs), await layer.run(other), await layer.run(sum)]
          const added = r1.voltages.data.map((v, k) => v + (r2.voltages.data[k] as number))
          expectClose('linearity', r12.voltages.data, added, 1e-4)
        })
      }),
      { numRuns },
    ),
  )

  add('fixed point: constant input c drives the current to c/(dt·tauSynInv) and v to vLeak + that', () =>
    fc.assert(
      fc.asyncProperty(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        async (c, vLeak) => {
          const neurons = 3
          const dt = 0.001
          const spec = { neurons, params: { tauSynInv: 200, tauMemInv: 100, vLeak }, dt }
          const steps = 600
          const xs = { data: new Float32Array(steps * neurons).fill(c), shape: [steps, neurons] }
          await withLayer(backend, spec, async (layer) => {
            const { state } = await layer.run(xs)
            const jump = Math.fround(c) / (dt * 200) // the current after the input jump, j = c / b
            const expectedV = new Float32Array(neurons).fill(vLeak + jump)
            const expectedI = new Float32Array(neurons).fill(jump - Math.fround(c)) // i = j − b·j = j − c
            expectClose('fixed point v', state.v.data, expectedV, 1e-4)
            expectClose('fixed point i', state.i.data, expectedI, 1e-4)
          })
        },
      ),
      { numRuns: Math.min(numRuns, 10) },
    ),
  )

  add('bad input: each gets its typed error and the previous state still works', async () => {
    const failures = (await badInputTable(backend)).filter((row) => !row.pass)
    if (failures.length)
      fail(failures.map((r) => `${r.case}: expected ${r.expected}, got ${r.got}`).join('; '))
  })

  add(
    'a run too large for memory is a CapacityError before anything is allocated, and the layer still works',
    () =>
      withLayer(
        backend,
        {
          neurons: 10_000,
          weights: { data: new Float32Array(10_000).fill(0.5), shape: [10_000, 1] },
        },
        async (layer) => {
          // 5e5 steps × 1e4 neurons = 5e9 voltages (more than one array can hold) from a 2 MB input.
          await expectLeakyError('huge run', 'E_CAPACITY', () =>
            layer.run({ data: new Float32Array(500_000), shape: [500_000, 1] }),
          )
          const { voltages } = await layer.run({ data: Float32Array.of(1), shape: [1, 1] })
          if (voltages.data.length !== 10_000) fail(`after the refused run: ${voltages.data.length} voltages`)
        },
      ),
  )

  add('NaN and Inf inputs propagate as in Norse (checkFinite off)', () =>
    withLayer(backend, { neurons: 3 }, async (layer) => {
      const xs = { data: Float32Array.of(1, Number.NaN, 0, Number.POSITIVE_INFINITY, 1, 0), shape: [2, 3] }
      const ours = await layer.run(xs)
      const reference = simulate(resolveSpec({ neurons: 3 }), xs)
      const same = (a: number, b: number) =>
        Number.isNaN(a) ? Number.isNaN(b) : a === b || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b))
      ours.voltages.data.forEach((v, k) => {
        if (!same(v, reference.voltages.data[k] as number))
          fail(`voltage ${k}: ${v} vs Norse order ${reference.voltages.data[k]}`)
      })
    }),
  )

  add('a state handle from a layer of another size is a ShapeError', () =>
    withLayer(backend, { neurons: 2 }, async (small) => {
      const { state } = await small.step({ data: Float32Array.of(1, 1), shape: [2] })
      await withLayer(backend, { neurons: 3 }, (large) =>
        expectLeakyError('foreign handle', 'E_SHAPE', () =>
          large.step({ data: Float32Array.of(1, 1, 1), shape: [3] }, state),
        ),
      )
    }),
  )

  add('prints nothing: an unstable dt goes to onWarning, not the console', async () => {
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const
    const saved = methods.map((m) => console[m])
    const printed: string[] = []
    for (const m of methods) console[m] = (...args: unknown[]) => printed.push(`${m}: ${args.join(' ')}`)
    const warnings: string[] = []
    try {
      await withLayer(
        backend,
        { neurons: 2, dt: 0.05, onWarning: (w) => warnings.push(w.code) },
        async (layer) => {
          await layer.run({ data: new Float32Array(6).fill(1), shape: [3, 2] })
          await layer.step({ data: new Float32Array(2).fill(1), shape: [2] })
        },
      )
    } finally {
      methods.forEach((m, k) => {
        console[m] = saved[k] as (typeof console)[typeof m]
      })
    }
    if (printed.length) fail(`the backend printed: ${printed.join(' | ')}`)
    if (!warnings.includes('euler-unstable'))
      fail(`expected an euler-unstable warning, got ${warnings.join(', ') || 'none'}`)
  })

  add('zero steps return no voltages and the state unchanged', () =>
    withLayer(backend, { neurons: 3 }, async (layer) => {
      const state: LIState = {
        v: { data: Float32Array.of(1, 2, 3), shape: [3] },
        i: { data: Float32Array.of(4, 5, 6), shape: [3] },
      }
      const { voltages, state: final } = await layer.run({ data: new Float32Array(0), shape: [0, 3] }, state)
      if (voltages.data.length !== 0 || voltages.shape.join() !== '0,3') fail(`voltages ${voltages.shape}`)
      expectClose('v', final.v.data, state.v.data, 0)
      expectClose('i', final.i.data, state.i.data, 0)
    }),
  )

  add('overlapping calls give what sequential calls give', () =>
    withLayer(backend, { neurons: 5 }, async (layer) => {
      const inputs = Array.from({ length: 8 }, (_, k) => ({
        data: new Float32Array(3 * 5).fill(k - 3),
        shape: [3, 5],
      }))
      const sequential: RunResult[] = []
      for (const xs of inputs) sequential.push(await layer.run(xs))
      const overlapping = await Promise.all(inputs.map((xs) => layer.run(xs)))
      for (const [k, r] of overlapping.entries()) {
        expectClose(`call ${k}`, r.voltages.data, sequential[k]?.voltages.data ?? new Float32Array(), 0)
      }
    }),
  )

  add('many layers with overlapping calls at once all give the js reference', async () => {
    const rand = mulberry32(7)
    const specs: LayerSpec[] = Array.from({ length: 12 }, (_, k) => ({
      neurons: 3 + (k % 4),
      ...(k % 3 === 0
        ? {
            weights: {
              data: Float32Array.from({ length: (3 + (k % 4)) * 2 }, () => rand() - 0.5),
              shape: [3 + (k % 4), 2],
            },
          }
        : {}),
    }))
    const layers = await Promise.all(specs.map((spec) => backend.createLayer(spec)))
    try {
      await Promise.all(
        layers.map(async (layer, k) => {
          const spec = specs[k] as LayerSpec
          const cols = spec.weights ? 2 : spec.neurons
          const inputs = [5, 9, 2].map((steps) => ({
            data: Float32Array.from({ length: steps * cols }, () => rand() * 2 - 1),
            shape: [steps, cols],
          }))
          const results = await Promise.all(inputs.map((xs) => layer.run(xs)))
          for (const [q, r] of results.entries()) {
            const reference = simulate(resolveSpec(spec), inputs[q] as Tensor)
            expectClose(`layer ${k} call ${q}`, r.voltages.data, reference.voltages.data, layer.tolerance.run)
          }
        }),
      )
    } finally {
      await Promise.all(layers.map((l) => l.dispose()))
    }
  })

  add('a disposed layer throws DisposedError and its handles do too', async () => {
    const layer = await backend.createLayer({ neurons: 2 })
    const { state } = await layer.step({ data: Float32Array.of(1, 1), shape: [2] })
    await layer.dispose()
    await layer.dispose()
    await expectLeakyError('run after dispose', 'E_DISPOSED', () =>
      layer.run({ data: new Float32Array(2), shape: [1, 2] }),
    )
    await expectLeakyError('step after dispose', 'E_DISPOSED', () =>
      layer.step({ data: new Float32Array(2), shape: [2] }),
    )
    await expectLeakyError('reading a handle of a disposed layer', 'E_DISPOSED', () => state.read())
  })

  add('a handle can be read, disposed, and handed to another layer of the same shape', () =>
    withLayer(backend, { neurons: 2 }, async (layer) => {
      const x = { data: Float32Array.of(1, -1), shape: [2] }
      const first = await layer.step(x)
      const plain = await first.state.read()
      const viaHandle = await layer.step(x, first.state)
      const viaPlain = await layer.step(x, plain)
      expectClose('handle vs plain', viaHandle.v.data, viaPlain.v.data, 0)
      await withLayer(backend, { neurons: 2 }, async (other) => {
        const elsewhere = await other.step(x, first.state)
        expectClose('handle on another layer', elsewhere.v.data, viaPlain.v.data, 0)
      })
      first.state.dispose()
      await expectLeakyError('disposed handle', 'E_DISPOSED', () => layer.step(x, first.state))
    }),
  )

  add(
    "two busy layers given each other's state handles both finish (no deadlock), as do their disposes",
    () =>
      withLayer(backend, { neurons: 64 }, (a) =>
        withLayer(backend, { neurons: 64 }, async (b) => {
          const x = { data: new Float32Array(64).fill(0.5), shape: [64] }
          const xs = { data: new Float32Array(200 * 64).fill(0.5), shape: [200, 64] }
          const [sa, sb] = [(await a.step(x)).state, (await b.step(x)).state]
          // Both busy, then each call waits behind its own layer's run and reads the other's handle.
          const calls = Promise.all([a.run(xs), b.run(xs), a.step(x, sb), b.step(x, sa)])
          const expected = await withLayer(backend, { neurons: 64 }, async (ref) =>
            ref.step(x, await sa.read()),
          )
          let timer: ReturnType<typeof setTimeout> | undefined
          const hung = new Promise<'hung'>((resolve) => {
            timer = setTimeout(() => resolve('hung'), 20_000)
          })
          const done = await Promise.race([calls, hung])
          clearTimeout(timer)
          if (done === 'hung') fail("two layers reading each other's handles waited on each other for 20 s")
          expectClose("b stepped from a's handle", done[3].v.data, expected.v.data, 0)
        }),
      ),
  )

  checks.push(...callerChecks(backend))

  return checks
}
