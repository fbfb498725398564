/**
 * The cases every graph variant replays: Norse's golden files (loadGoldenFiles), plus synthetic
 * cases the golden file lacks — non-zero initial state, T = 1 and 2, T = 1000, bio (ms) units,
 * per-neuron parameters with batch dims — whose expected values come from core's `simulate` (the js
 * reference, Norse's order of operations in float32).
 */
import {
  type LayerSpec,
  type LIParameters,
  mulberry32,
  type ResolvedLayerSpec,
  resolveSpec,
  simulate,
  type Tensor,
} from '@leaky/core'
import { caseSpec, type GoldenCase } from '@leaky/core/conformance'
import { loadGoldenFiles } from '@leaky/core/conformance/node'

export interface TestCase {
  readonly golden: GoldenCase
  readonly spec: ResolvedLayerSpec
  readonly batchRank: number
  readonly steps: number
}

function toTestCase(golden: GoldenCase): TestCase {
  return {
    golden,
    spec: resolveSpec(caseSpec(golden)),
    batchRank: golden.initial.v.shape.length - 1,
    steps: golden.input.shape[0] as number,
  }
}

export function goldenCases(): TestCase[] {
  return loadGoldenFiles().flatMap((f) => f.cases.map(toTestCase))
}

interface Synthetic {
  readonly name: string
  readonly T: number
  readonly batch: readonly number[]
  readonly N: number
  readonly inputs?: number
  readonly dt: number
  readonly params: LIParameters
  /** Start from a random state (default) or from rest. */
  readonly randomState?: boolean
}

function make(s: Synthetic, seed: number): GoldenCase {
  const random = mulberry32(seed)
  const gauss = () => (random() + random() + random() - 1.5) * 2
  const filled = (shape: readonly number[], f: () => number): Tensor => {
    const size = shape.reduce((p, d) => p * d, 1)
    return { data: Float32Array.from({ length: size }, f), shape: [...shape] }
  }
  const stateShape = [...s.batch, s.N]
  const input = filled([s.T, ...s.batch, s.inputs ?? s.N], gauss)
  const weights = s.inputs ? filled([s.N, s.inputs], () => gauss() * 0.5) : undefined
  const spec: LayerSpec = { neurons: s.N, params: s.params, dt: s.dt, ...(weights ? { weights } : {}) }
  const random0 = s.randomState ?? true
  const initial = {
    v: filled(stateShape, () => (random0 ? gauss() : 0)),
    i: filled(stateShape, () => (random0 ? gauss() * 3 : 0)),
  }
  const { voltages, state } = simulate(resolveSpec(spec), input, initial)
  return {
    name: s.name,
    kind: weights ? 'weighted' : 'feed_forward',
    note: 'synthetic: expected values from core simulate (js reference)',
    dt: s.dt,
    params: s.params,
    input,
    ...(weights ? { weights } : {}),
    initial,
    outputs: voltages,
    final: state,
  }
}

const defaults: LIParameters = { tauSynInv: 200, tauMemInv: 100, vLeak: 0.3 }
const ramp = (n: number, start: number, step: number) =>
  Float32Array.from({ length: n }, (_, k) => start + step * k)

export function syntheticCases(): TestCase[] {
  return [
    make({ name: 'syn_state_ff', T: 37, batch: [], N: 5, dt: 0.001, params: defaults }, 1),
    make(
      {
        name: 'syn_state_per_neuron_batched',
        T: 50,
        batch: [2, 3],
        N: 4,
        dt: 0.0007,
        params: { tauSynInv: ramp(4, 100, 300), tauMemInv: ramp(4, 50, 40), vLeak: ramp(4, -0.5, 0.3) },
      },
      2,
    ),
    make({ name: 'syn_weighted_state', T: 33, batch: [3], N: 4, inputs: 6, dt: 0.001, params: defaults }, 3),
    make({ name: 'syn_T1', T: 1, batch: [], N: 3, dt: 0.001, params: defaults }, 4),
    make({ name: 'syn_T2_batched', T: 2, batch: [2], N: 3, dt: 0.001, params: defaults }, 5),
    make(
      {
        name: 'syn_alpha_zero_state',
        T: 20,
        batch: [],
        N: 6,
        dt: 0.001,
        params: { tauSynInv: 1000, tauMemInv: 300, vLeak: 0 },
      },
      6,
    ),
    make({ name: 'syn_long_default', T: 1000, batch: [], N: 16, dt: 0.001, params: defaults }, 7),
    make(
      {
        name: 'syn_long_bio_ms',
        T: 1000,
        batch: [],
        N: 16,
        dt: 0.1,
        params: { tauSynInv: 0.5, tauMemInv: 0.1, vLeak: -70 },
      },
      8,
    ),
    make(
      {
        name: 'syn_long_bio_per_neuron',
        T: 1000,
        batch: [2],
        N: 3,
        dt: 0.1,
        params: { tauSynInv: ramp(3, 0.5, 0.2), tauMemInv: ramp(3, 0.1, 0.05), vLeak: ramp(3, -70, 5) },
      },
      9,
    ),
  ].map(toTestCase)
}
