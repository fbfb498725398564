/**
 * The browser test page: core's framework-free conformance checks and the bad-input table on
 * wasm-simd inside a real Chromium, bit-exactness with js on the golden feed-forward cases, zero-copy
 * tensors across a memory growth, and a soak. The Node side (../browser.test.ts) calls
 * `window.leakyTest` through page.evaluate.
 */
import { jsBackend, type StateHandle } from '@leaky/core'
import {
  badInputTable,
  caseSpec,
  conformanceChecks,
  parseGolden,
  runCase,
  stepCase,
} from '@leaky/core/conformance'
import { getEngine, getSharedEngine, wasmSimdBackend } from '../../src/index.js'
import type { WasmSimdLayer } from '../../src/layer.js'

async function golden() {
  const files = (await (await fetch('/golden/index.json')).json()) as string[]
  return Promise.all(files.map(async (f) => parseGolden(await (await fetch(f)).json())))
}

const sameBits = (a: Float32Array, b: Float32Array) => {
  if (a.length !== b.length) return false
  const [x, y] = [
    new Uint32Array(a.buffer, a.byteOffset, a.length),
    new Uint32Array(b.buffer, b.byteOffset, b.length),
  ]
  return x.every((v, k) => v === y[k])
}

const leakyTest = {
  async info() {
    const shared = await getSharedEngine()
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated,
      available: await wasmSimdBackend.available(),
      lends: shared !== undefined,
      threads: shared?.helper ? 2 : 1,
    }
  },

  async runChecks() {
    const results: { name: string; ok: boolean; error?: string }[] = []
    for (const check of conformanceChecks({ backend: wasmSimdBackend, golden: await golden() })) {
      try {
        await check.run()
        results.push({ name: check.name, ok: true })
      } catch (error) {
        results.push({ name: check.name, ok: false, error: String(error) })
      }
    }
    const bad = await badInputTable(wasmSimdBackend)
    return { results, badInput: bad.length, badInputFailures: bad.filter((r) => !r.pass).map((r) => r.case) }
  },

  /** Names of the feed-forward golden cases whose run or step differs from js in any bit. */
  async bitExact() {
    const cases = (await golden()).flatMap((f) => f.cases).filter((c) => c.kind === 'feed_forward')
    const differing: string[] = []
    for (const c of cases) {
      const ours = await wasmSimdBackend.createLayer(caseSpec(c))
      const js = await jsBackend.createLayer(caseSpec(c))
      for (const verify of [runCase, stepCase]) {
        const [a, b] = [await verify(ours, c), await verify(js, c)]
        if (!sameBits(a.outputs.data, b.outputs.data) || !sameBits(a.final.i.data, b.final.i.data))
          differing.push(`${c.name} (${verify === runCase ? 'run' : 'step'})`)
      }
      await ours.dispose()
      await js.dispose()
    }
    return { cases: cases.length, differing }
  },

  /** A zero-copy run large enough to be split with the helper thread, against js. */
  async twoThreads() {
    const spec = { neurons: 4500, params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0.1 } }
    const xs = { data: Float32Array.from({ length: 64 * 4500 }, (_, k) => Math.sin(k)), shape: [64, 4500] }
    const layer = (await wasmSimdBackend.createLayer(spec)) as WasmSimdLayer
    const js = await jsBackend.createLayer(spec)
    const reference = await js.run(xs)
    const out = layer.allocate([64, 4500])
    const x = layer.allocate([64, 4500])
    x.data.set(xs.data)
    await layer.run(x, undefined, { output: out.data })
    const same = sameBits(out.data, reference.voltages.data)
    await layer.dispose()
    await js.dispose()
    return same
  },

  /**
   * The caller's arrays of a run large enough for two threads (2²² neuron-steps and more),
   * overwritten right after the call: the page waits for the worker asynchronously, so the run must
   * have taken x into wasm memory before it first yields. The result must be js's, bit for bit,
   * with scalar parameters and with per-neuron ones over a batch dim.
   */
  async largeCallerRun() {
    const neurons = 30000
    const perNeuron = Float32Array.from({ length: neurons }, (_, k) => 50 + (k % 300))
    const cases = [
      {
        spec: { neurons: 60000, params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0.1 } },
        shape: [70, 60000],
      },
      {
        spec: { neurons, params: { tauSynInv: 200, tauMemInv: perNeuron, vLeak: 0.1 } },
        shape: [70, 2, neurons],
      },
    ]
    let same = true
    for (const { spec, shape } of cases) {
      const data = Float32Array.from({ length: 70 * 60000 }, (_, k) => Math.sin(k))
      const layer = await wasmSimdBackend.createLayer(spec)
      const js = await jsBackend.createLayer(spec)
      const reference = await js.run({ data, shape })
      const xs = { data: data.slice(), shape }
      const running = layer.run(xs)
      xs.data.fill(1e30)
      const ran = await running
      same &&=
        sameBits(ran.voltages.data, reference.voltages.data) &&
        sameBits(ran.state.i.data, reference.state.i.data)
      await layer.dispose()
      await js.dispose()
    }
    return same
  },

  /** allocate(), grow the memory with a big run, check the old tensor is still the same memory. */
  async zeroCopyGrow() {
    const layer = (await wasmSimdBackend.createLayer({ neurons: 1000 })) as WasmSimdLayer
    const engine = await getSharedEngine()
    if (!engine) {
      let message = ''
      try {
        layer.allocate([1, 1000])
      } catch (error) {
        message = `${(error as { code?: string }).code}: ${(error as Error).message}`
      }
      await layer.dispose()
      return { lends: false, message }
    }
    const kept = layer.allocate([3, 1000])
    kept.data.fill(0.5)
    const before = engine.memory.buffer.byteLength
    const first = await layer.run(kept)
    layer.allocate([Math.ceil(before / 2000), 1000])
    const after = engine.memory.buffer.byteLength
    const again = await layer.run(kept, undefined, { output: layer.allocate([3, 1000]).data })
    const result = {
      lends: true,
      grew: after > before,
      keptLength: kept.data.length,
      keptIntact: kept.data.every((x) => x === 0.5),
      sameResult: sameBits(first.voltages.data, again.voltages.data),
    }
    await layer.dispose()
    return result
  },

  /** Steps handing their state on (old ones disposed), then layers made and disposed: wasm memory flat. */
  async soak(steps: number, layers: number) {
    const engines = [await getEngine(), await getSharedEngine()]
    const inUse = () => engines.reduce((s, e) => s + (e?.bytesInUse ?? 0), 0)
    const size = () => engines.reduce((s, e) => s + (e?.memory.buffer.byteLength ?? 0), 0)
    const layer = await wasmSimdBackend.createLayer({ neurons: 64 })
    const x = { data: new Float32Array(64).fill(0.25), shape: [64] }
    let state: StateHandle | undefined
    let warm = { inUse: 0, size: 0 }
    for (let t = 0; t < steps; t++) {
      if (t === steps / 10) warm = { inUse: inUse(), size: size() }
      const next = await layer.step(x, state)
      state?.dispose()
      state = next.state
    }
    const stepped = { inUse: inUse(), size: size() }
    await layer.dispose()
    for (let k = 0; k < layers; k++) {
      const l = await wasmSimdBackend.createLayer({ neurons: 64 })
      await l.run({ data: new Float32Array(4 * 64).fill(0.25), shape: [4, 64] })
      await l.step(x)
      await l.dispose()
    }
    return { warm, stepped, churned: { inUse: inUse(), size: size() } }
  },
}

;(globalThis as { leakyTest?: typeof leakyTest }).leakyTest = leakyTest
document.body.dataset.ready = '1'
