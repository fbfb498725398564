/**
 * The entry the backends call: a resolved layer spec + options → ONNX bytes and their contract.
 */
import {
  type LayerSpec,
  ParameterError,
  type ParameterValue,
  type ResolvedLayerSpec,
  resolveSpec,
  UnsupportedError,
} from '@leaky/core'
import type { Dim, GraphBuilder } from '../graph/graph-builder.js'
import { encodeModel } from '../graph/model.js'
import { buildChunkedSequenceGraph, defaultChunk, supportsChunked } from '../li/chunked-sequence-graph.js'
import { buildDoublingSequenceGraph, DEFAULT_MAX_STEPS } from '../li/doubling-sequence-graph.js'
import { SEQUENCE_IO, STEP_IO } from '../li/io-names.js'
import {
  checkLayer,
  inputWidth,
  PARAMETER_INPUTS,
  type ParameterMode,
  type WeightsMode,
} from '../li/layer-options.js'
import { buildScanSequenceGraph } from '../li/scan-sequence-graph.js'
import { buildStepGraph } from '../li/step-graph.js'
import { IR_VERSION, OPSET_VERSION, PRODUCER_NAME, PRODUCER_VERSION } from '../versions.js'
import type { ContractParameter, GraphKind, ModelContract, TensorContract } from './contract.js'
import { CONTRACT_KEY } from './read-contract.js'

/** Which graph to export, and how parameters and weights are passed. */
export interface LayerModelOptions {
  readonly graph: GraphKind
  /** Number of batch dims between time and neurons, each symbolic (batch0, batch1, …). Default 0. */
  readonly batchRank?: number
  /** Fixes T in the graph (parallel graphs are built per T: smaller); omit → symbolic 'T'. */
  readonly steps?: number
  /** 'auto' (default): chunked when the parameters are the same for every neuron and baked, else doubling. */
  readonly parallel?: 'auto' | 'doubling' | 'chunked'
  /** Default 'baked'. */
  readonly parameters?: ParameterMode
  /** Default 'baked'. */
  readonly weights?: WeightsMode
}

/** Tolerance vs Norse of the exact graphs (step, sequence) and of the parallel ones. */
export const TOLERANCE = { exact: 1e-5, parallel: 1e-4 } as const

const GRAPH_KINDS: readonly GraphKind[] = ['step', 'sequence', 'parallel']

function checkOptions(o: LayerModelOptions): void {
  if (typeof o !== 'object' || o === null) throw new ParameterError('layerModel: options must be an object')
  if (!GRAPH_KINDS.includes(o.graph)) {
    throw new UnsupportedError(
      `unknown graph kind "${String(o.graph)}"; supported: ${GRAPH_KINDS.join(', ')}`,
    )
  }
  if (o.batchRank !== undefined && (!Number.isInteger(o.batchRank) || o.batchRank < 0)) {
    throw new ParameterError(`batchRank must be an integer >= 0, got ${String(o.batchRank)}`)
  }
  if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps <= 0)) {
    throw new ParameterError(`steps must be an integer > 0, got ${String(o.steps)}`)
  }
  if (o.parallel !== undefined && !['auto', 'doubling', 'chunked'].includes(o.parallel)) {
    throw new UnsupportedError(
      `parallel must be "auto", "doubling" or "chunked", got "${String(o.parallel)}"`,
    )
  }
  if (o.graph === 'step' && o.steps !== undefined) {
    throw new UnsupportedError('a step graph has no time axis: steps applies to sequence and parallel graphs')
  }
}

const json = (p: ParameterValue): ContractParameter => (typeof p === 'number' ? p : Array.from(p))

/** Builds the model of a layer: its ONNX bytes and the contract that says how to feed them. */
export function layerModel(
  spec: ResolvedLayerSpec,
  options: LayerModelOptions,
): { bytes: Uint8Array; contract: ModelContract } {
  checkOptions(options)
  const parameters = options.parameters ?? 'baked'
  const weightsMode = options.weights ?? 'baked'
  const base = { parameters, weights: weightsMode }
  checkLayer(spec, base)
  const batchRank = options.batchRank ?? 0
  const batchDims: Dim[] = Array.from({ length: batchRank }, (_, k) => `batch${k}`)
  const o = { ...base, batchDims, ...(options.steps !== undefined ? { steps: options.steps } : {}) }

  let g: GraphBuilder
  let method: 'doubling' | 'chunked' | undefined
  let chunk: number | undefined
  if (options.graph === 'step') g = buildStepGraph(spec, o)
  else if (options.graph === 'sequence') g = buildScanSequenceGraph(spec, o)
  else {
    const wanted = options.parallel ?? 'auto'
    method = wanted === 'auto' ? (supportsChunked(spec, o) ? 'chunked' : 'doubling') : wanted
    if (method === 'chunked') {
      chunk = defaultChunk(options.steps)
      g = buildChunkedSequenceGraph(spec, { ...o, chunk })
    } else g = buildDoublingSequenceGraph(spec, o)
  }

  const contract = describe(spec, options, { parameters, weightsMode, batchDims, method, chunk })
  const bytes = encodeModel(g, docString(contract), { [CONTRACT_KEY]: JSON.stringify(contract) })
  return { bytes, contract }
}

/** Builds the model from a spec (resolved here if it is not yet) — for users, the CLI, and downloads. */
export function exportModel(
  spec: LayerSpec | ResolvedLayerSpec,
  options: LayerModelOptions,
): { onnx: Uint8Array; contract: ModelContract } {
  const resolved = isResolved(spec) ? spec : resolveSpec(spec)
  const { bytes, contract } = layerModel(resolved, options)
  return { onnx: bytes, contract }
}

function isResolved(spec: LayerSpec | ResolvedLayerSpec): spec is ResolvedLayerSpec {
  return typeof spec === 'object' && spec !== null && 'kind' in spec && 'coefficients' in spec
}

function docString(c: ModelContract): string {
  const io = (ts: readonly TensorContract[]) => ts.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')
  return `leaky: Norse leaky integrator (${c.neuron}, ${c.neurons} neurons), ${c.graph} graph. inputs: ${io(c.inputs)}; outputs: ${io(c.outputs)}. The full contract is in metadata_props["leaky_contract"].`
}

function describe(
  spec: ResolvedLayerSpec,
  options: LayerModelOptions,
  d: {
    parameters: ParameterMode
    weightsMode: WeightsMode
    batchDims: readonly Dim[]
    method: 'doubling' | 'chunked' | undefined
    chunk: number | undefined
  },
): ModelContract {
  const N = spec.neurons
  const M = inputWidth(spec)
  const batch = d.batchDims
  const state = [...batch, N]
  const T: number | 'T' = options.steps ?? 'T'
  const f32 = (name: string, shape: readonly Dim[], meaning: string): TensorContract => ({
    name,
    dtype: 'float32',
    shape: [...shape],
    meaning,
  })
  const inputs: TensorContract[] = []
  const outputs: TensorContract[] = []
  if (options.graph === 'step') {
    inputs.push(
      f32(STEP_IO.x, [...batch, M], 'input current of this step (pre-weights for a weighted layer)'),
      f32(STEP_IO.v, state, 'membrane voltage before the step'),
      f32(STEP_IO.i, state, 'synaptic current before the step'),
    )
    outputs.push(
      f32(STEP_IO.vNew, state, "voltage after the step (the step's output)"),
      f32(STEP_IO.iNew, state, 'current after the step'),
    )
  } else {
    inputs.push(
      f32(SEQUENCE_IO.xs, [T, ...batch, M], 'input currents, time first (pre-weights for a weighted layer)'),
      f32(SEQUENCE_IO.v0, state, 'initial voltage (Norse default: vLeak)'),
      f32(SEQUENCE_IO.i0, state, 'initial current (Norse default: 0)'),
    )
    outputs.push(
      f32(SEQUENCE_IO.voltages, [T, ...state], 'voltage after every step'),
      f32(SEQUENCE_IO.vFinal, state, 'voltage after the last step'),
      f32(SEQUENCE_IO.iFinal, state, 'current after the last step'),
    )
  }
  if (d.parameters === 'inputs') {
    inputs.push(
      f32(PARAMETER_INPUTS.tauSynInv, [N], 'tauSynInv per neuron (1/s with dt in s)'),
      f32(PARAMETER_INPUTS.tauMemInv, [N], 'tauMemInv per neuron'),
      f32(PARAMETER_INPUTS.vLeak, [N], 'vLeak per neuron'),
    )
  }
  if (spec.kind === 'weighted' && d.weightsMode === 'input') {
    inputs.push(f32(PARAMETER_INPUTS.weights, [N, M], 'weights [neurons, inputs], applied as x·Wᵀ'))
  }
  const dims: Record<string, string> = {}
  if (options.graph !== 'step' && T === 'T') dims.T = 'time steps (any length ≥ 1)'
  batch.forEach((name, k) => {
    dims[String(name)] = `batch dimension ${k} (any size ≥ 1; the same in every input and output)`
  })
  const exact = options.graph !== 'parallel'
  const maxSteps = !exact && T === 'T' ? DEFAULT_MAX_STEPS : undefined
  if (maxSteps !== undefined) dims.T = `time steps, 1 ≤ T ≤ ${maxSteps}`
  const notes = [
    'Initial state from rest (Norse default): v0 = vLeak broadcast to [...batch, N], i0 = 0.',
    'Step order (Norse, forward Euler, float32): j = i + x (x·Wᵀ when weighted); v_new = v + a·((vLeak − v) + j) with a = float32(dt)·tauMemInv; i_new = j − b·j with b = float32(dt)·tauSynInv.',
    exact
      ? `Exact: reproduces Norse to ${TOLERANCE.exact} (bit for bit on CPU).`
      : `Parallel in time (${d.method}): no Loop/Scan node; rounding differs from the step order, error vs Norse ≤ ${TOLERANCE.parallel}.`,
  ]
  if (options.graph === 'sequence')
    notes.push('Contains a Scan node: on onnxruntime WebGPU it runs on the CPU.')
  if (maxSteps !== undefined) {
    notes.push(`Symbolic T: correct for T ≤ ${maxSteps}; for longer sequences export with steps fixed.`)
  }
  if (spec.warnings.length) notes.push(...spec.warnings.map((w) => w.message))
  return {
    format: 'leaky-onnx-model',
    contractVersion: 1,
    graph: options.graph,
    ...(d.method ? { parallel: d.method } : {}),
    ...(d.chunk !== undefined ? { chunk: d.chunk } : {}),
    neuron: spec.kind,
    neurons: N,
    inputsPerStep: M,
    opset: OPSET_VERSION,
    irVersion: IR_VERSION,
    producer: `${PRODUCER_NAME} ${PRODUCER_VERSION}`,
    inputs,
    outputs,
    dims,
    batchRank: batch.length,
    ...(options.graph !== 'step' ? { steps: T } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    parameters: d.parameters,
    params: {
      tauSynInv: json(spec.params.tauSynInv),
      tauMemInv: json(spec.params.tauMemInv),
      vLeak: json(spec.params.vLeak),
    },
    dt: spec.dt,
    weights: spec.kind === 'weighted' ? d.weightsMode : 'none',
    initialState: { v: 'vLeak', i: 0, note: 'v0 = vLeak (per neuron, broadcast over batch), i0 = 0' },
    tolerance: exact ? TOLERANCE.exact : TOLERANCE.parallel,
    notes,
  }
}
