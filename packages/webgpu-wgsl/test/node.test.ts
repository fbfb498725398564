/**
 * webgpu-wgsl in Node through Dawn (the webgpu package; SwiftShader where there is no GPU): core's
 * conformance kit, and the FMA question measured — whether this WGSL compiler fuses a·b + c — by
 * comparing every voltage with core's js backend (Norse's order, float32) bit for bit.
 */
import { jsBackend, type LayerSpec, mulberry32, relativeError, resolveSpec } from '@leaky/core'
import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { describe, expect, it } from 'vitest'
import { acquireGpu } from '../src/device.js'
import { WGSL_BACKEND, WgslLayer, webgpuWgslBackend } from '../src/index.js'

await describeConformance(`${WGSL_BACKEND} in Node (Dawn)`, {
  backend: async () => webgpuWgslBackend,
  golden: loadGoldenFiles(),
  numRuns: 8,
})

/** Values that differ from js in any bit, and the largest relative error, over one run. */
async function compareWithJs(spec: LayerSpec, steps: number, width: number, batch: number[] = []) {
  const rand = mulberry32(7)
  const shape = [steps, ...batch, width]
  const xs = {
    data: Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => 4 * rand() - 2),
    shape,
  }
  const ours = await webgpuWgslBackend.createLayer(spec)
  const reference = await jsBackend.createLayer(spec)
  try {
    const a = (await ours.run(xs)).voltages.data
    const b = (await reference.run(xs)).voltages.data
    let differing = 0
    for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) differing++
    return { differing, values: a.length, error: relativeError(a, b) }
  } finally {
    await ours.dispose()
    await reference.dispose()
  }
}

describe(`${WGSL_BACKEND} against Norse's order of operations`, async () => {
  const available = await webgpuWgslBackend.available()
  it.skipIf(!available.ok)('matches js within 1e-5; says how many values an FMA changed', async () => {
    const rand = mulberry32(3)
    const cases: [string, LayerSpec, number, number, number[]][] = [
      ['scalar, vLeak 0', { neurons: 300 }, 200, 300, []],
      [
        'per-neuron, bio units',
        {
          neurons: 64,
          params: { tauMemInv: Float32Array.from({ length: 64 }, () => 80 + 40 * rand()), vLeak: -70 },
        },
        300,
        64,
        [3],
      ],
      [
        'weighted 40→24',
        {
          neurons: 24,
          weights: { data: Float32Array.from({ length: 24 * 40 }, () => rand() - 0.5), shape: [24, 40] },
        },
        50,
        40,
        [2],
      ],
    ]
    for (const [name, spec, steps, width, batch] of cases) {
      const r = await compareWithJs(spec, steps, width, batch)
      console.log(
        `${name}: ${r.differing} of ${r.values} voltages differ from js in any bit; relative error ${r.error.toExponential(2)}`,
      )
      expect(r.error).toBeLessThanOrEqual(1e-5)
    }
  })
})

describe(`${WGSL_BACKEND} time slices`, async () => {
  const acquired = await acquireGpu()
  it.skipIf(!acquired.ok)(
    'a run cut into many slices, from a resident state, equals js (states recorded)',
    async () => {
      if (!acquired.ok) return
      const rand = mulberry32(11)
      for (const layerSpec of [
        { neurons: 50, params: { tauSynInv: Float32Array.from({ length: 50 }, () => 150 + 100 * rand()) } },
        {
          neurons: 20,
          weights: { data: Float32Array.from({ length: 20 * 30 }, () => rand() - 0.5), shape: [20, 30] },
        },
      ] as LayerSpec[]) {
        const spec = resolveSpec(layerSpec)
        // 3 batch rows: a slice of at most 5 steps, so T = 37 runs as 8 slices (both state buffers in turn).
        const layer = new WgslLayer(spec, acquired.gpu, {
          sliceFloats: 5 * 3 * Math.max(spec.neurons, spec.inputs),
        })
        const reference = await jsBackend.createLayer(layerSpec)
        try {
          const x1 = {
            data: Float32Array.from({ length: 3 * spec.inputs }, () => rand() - 0.5),
            shape: [3, spec.inputs],
          }
          const xs = {
            data: Float32Array.from({ length: 37 * 3 * spec.inputs }, () => 2 * rand() - 1),
            shape: [37, 3, spec.inputs],
          }
          const first = await layer.step(x1)
          const ours = await layer.run(xs, first.state, { recordStates: true })
          const start = (await reference.step(x1)).state
          const theirs = await reference.run(xs, start, { recordStates: true })
          expect(relativeError(ours.voltages.data, theirs.voltages.data)).toBeLessThanOrEqual(1e-5)
          expect(
            relativeError(
              ours.states?.i.data ?? new Float32Array(),
              theirs.states?.i.data ?? Float32Array.of(1),
            ),
          ).toBeLessThanOrEqual(1e-5)
          expect(relativeError(ours.state.i.data, theirs.state.i.data)).toBeLessThanOrEqual(1e-5)
          // The resident state the run started from is unchanged: a second run from it gives the same.
          const again = await layer.run(xs, first.state)
          expect(Array.from(again.voltages.data)).toEqual(Array.from(ours.voltages.data))
        } finally {
          await layer.dispose()
          await reference.dispose()
        }
      }
    },
  )
})
