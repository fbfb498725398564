/** The graph variants under test and how each is fed with a case, through the public API only. */
import type { LIState, Tensor } from '@leaky/core'
import {
  type LayerModelOptions,
  layerModel,
  type ModelContract,
  PARAMETER_INPUTS,
  SEQUENCE_IO,
  STEP_IO,
  supportsChunked,
} from '../src/index.js'
import type { TestCase } from './cases.js'
import type { Feed, Runtime } from './runtimes.js'

export interface Variant {
  readonly name: string
  /** The options, without batchRank and steps (those come from the case). */
  readonly options: LayerModelOptions
  /** Fix T in the graph (else symbolic). */
  readonly fixSteps: boolean
  readonly tolerance: number
  applies(c: TestCase): boolean
}

export interface VariantResult {
  readonly outputs: Tensor
  readonly final: LIState
  readonly contract: ModelContract
}

const always = () => true
const chunkable = (o: LayerModelOptions) => (c: TestCase) => supportsChunked(c.spec, o)

export const VARIANTS: readonly Variant[] = [
  { name: 'step', options: { graph: 'step' }, fixSteps: false, tolerance: 1e-5, applies: always },
  {
    name: 'step, params+weights inputs',
    options: { graph: 'step', parameters: 'inputs', weights: 'input' },
    fixSteps: false,
    tolerance: 1e-5,
    applies: always,
  },
  {
    name: 'sequence, T symbolic',
    options: { graph: 'sequence' },
    fixSteps: false,
    tolerance: 1e-5,
    applies: always,
  },
  {
    name: 'sequence, T fixed, params+weights inputs',
    options: { graph: 'sequence', parameters: 'inputs', weights: 'input' },
    fixSteps: true,
    tolerance: 1e-5,
    applies: always,
  },
  {
    name: 'parallel doubling, T fixed',
    options: { graph: 'parallel', parallel: 'doubling' },
    fixSteps: true,
    tolerance: 1e-4,
    applies: always,
  },
  {
    name: 'parallel doubling, T symbolic',
    options: { graph: 'parallel', parallel: 'doubling' },
    fixSteps: false,
    tolerance: 1e-4,
    applies: always,
  },
  {
    name: 'parallel doubling, params+weights inputs',
    options: { graph: 'parallel', parallel: 'doubling', parameters: 'inputs', weights: 'input' },
    fixSteps: true,
    tolerance: 1e-4,
    applies: always,
  },
  {
    name: 'parallel chunked, T fixed',
    options: { graph: 'parallel', parallel: 'chunked' },
    fixSteps: true,
    tolerance: 1e-4,
    applies: chunkable({ graph: 'parallel' }),
  },
  {
    name: 'parallel chunked, T symbolic',
    options: { graph: 'parallel', parallel: 'chunked' },
    fixSteps: false,
    tolerance: 1e-4,
    applies: chunkable({ graph: 'parallel' }),
  },
  {
    name: 'parallel auto, T fixed',
    options: { graph: 'parallel' },
    fixSteps: true,
    tolerance: 1e-4,
    applies: always,
  },
]

function perNeuron(p: number | Float32Array, n: number): Float32Array {
  return typeof p === 'number' ? new Float32Array(n).fill(p) : p
}

/** Feeds of the extra inputs a contract names (parameters, weights), from the case's spec. */
function extraFeeds(c: TestCase, contract: ModelContract): Record<string, Feed> {
  const { spec } = c
  const N = spec.neurons
  const feeds: Record<string, Feed> = {}
  const names = new Set(contract.inputs.map((t) => t.name))
  if (names.has(PARAMETER_INPUTS.tauSynInv)) {
    feeds[PARAMETER_INPUTS.tauSynInv] = { data: perNeuron(spec.params.tauSynInv, N), dims: [N] }
    feeds[PARAMETER_INPUTS.tauMemInv] = { data: perNeuron(spec.params.tauMemInv, N), dims: [N] }
    feeds[PARAMETER_INPUTS.vLeak] = { data: perNeuron(spec.params.vLeak, N), dims: [N] }
  }
  if (names.has(PARAMETER_INPUTS.weights) && spec.weights) {
    feeds[PARAMETER_INPUTS.weights] = { data: spec.weights.data, dims: spec.weights.shape }
  }
  return feeds
}

/** Builds the variant's model for the case and runs the whole case through it on `runtime`. */
export async function runVariant(v: Variant, c: TestCase, runtime: Runtime): Promise<VariantResult> {
  const { golden } = c
  const options: LayerModelOptions = {
    ...v.options,
    batchRank: c.batchRank,
    ...(v.fixSteps ? { steps: c.steps } : {}),
  }
  const { bytes, contract } = layerModel(c.spec, options)
  const session = await runtime.createSession(bytes)
  try {
    const extra = extraFeeds(c, contract)
    const stateShape = golden.initial.v.shape
    if (v.options.graph === 'step') {
      const T = c.steps
      const rowIn = golden.input.data.length / T
      const rowOut = golden.outputs.data.length / T
      let vState = golden.initial.v.data.slice()
      let iState = golden.initial.i.data.slice()
      const voltages = new Float32Array(golden.outputs.data.length)
      for (let t = 0; t < T; t++) {
        const out = await session.run({
          [STEP_IO.x]: {
            data: golden.input.data.subarray(t * rowIn, (t + 1) * rowIn),
            dims: golden.input.shape.slice(1),
          },
          [STEP_IO.v]: { data: vState, dims: stateShape },
          [STEP_IO.i]: { data: iState, dims: stateShape },
          ...extra,
        })
        vState = (out[STEP_IO.vNew] as Float32Array).slice()
        iState = (out[STEP_IO.iNew] as Float32Array).slice()
        voltages.set(vState, t * rowOut)
      }
      return {
        outputs: { data: voltages, shape: golden.outputs.shape },
        final: { v: { data: vState, shape: stateShape }, i: { data: iState, shape: stateShape } },
        contract,
      }
    }
    const out = await session.run({
      [SEQUENCE_IO.xs]: { data: golden.input.data, dims: golden.input.shape },
      [SEQUENCE_IO.v0]: { data: golden.initial.v.data, dims: stateShape },
      [SEQUENCE_IO.i0]: { data: golden.initial.i.data, dims: stateShape },
      ...extra,
    })
    return {
      outputs: { data: out[SEQUENCE_IO.voltages] as Float32Array, shape: golden.outputs.shape },
      final: {
        v: { data: out[SEQUENCE_IO.vFinal] as Float32Array, shape: stateShape },
        i: { data: out[SEQUENCE_IO.iFinal] as Float32Array, shape: stateShape },
      },
      contract,
    }
  } finally {
    await session.release()
  }
}
