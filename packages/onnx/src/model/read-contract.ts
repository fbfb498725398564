/**
 * Reading the contract back from a .onnx file's bytes: the check any code that is handed a model
 * (a file, a download) makes before giving it to a runtime. Every failure is a FormatError.
 */
import { FormatError } from '@leaky/core'
import { decodeModel } from '../graph/model.js'
import type { OnnxModel, OnnxValueInfo } from '../graph/onnx-types.js'
import type { ModelContract, TensorContract } from './contract.js'

/** The metadata_props key leaky writes its contract under. */
export const CONTRACT_KEY = 'leaky_contract'

/**
 * Decodes ONNX model bytes and returns the leaky contract in its metadata, checked against the graph
 * (the same inputs and outputs, in order, each with the contract's dtype and shape: a fixed dim the
 * same number, a symbolic dim the same name). Garbage, a truncated file, a model without the metadata,
 * malformed JSON or a contract that does not describe the graph: FormatError, naming what is wrong.
 */
export function readModelContract(bytes: Uint8Array): ModelContract {
  if (!(bytes instanceof Uint8Array))
    throw new FormatError('readModelContract: expected the model as a Uint8Array')
  let model: OnnxModel
  try {
    model = decodeModel(bytes)
  } catch (error) {
    throw new FormatError(`not an ONNX model (protobuf decoding failed: ${(error as Error).message})`, {
      cause: error,
    })
  }
  const graph = model.graph
  if (!graph) throw new FormatError('not an ONNX model: no graph')
  const entries = (model.metadataProps ?? []).filter((p) => p.key === CONTRACT_KEY)
  if (entries.length !== 1) {
    throw new FormatError(
      entries.length === 0
        ? `the model has no leaky contract (metadata_props "${CONTRACT_KEY}"): was it written by leaky export?`
        : `the model has ${entries.length} "${CONTRACT_KEY}" entries`,
    )
  }
  let doc: unknown
  try {
    doc = JSON.parse(entries[0]?.value ?? '')
  } catch (error) {
    throw new FormatError(`the leaky contract is not JSON: ${(error as Error).message}`, { cause: error })
  }
  const contract = checkContract(doc)
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name))
  const graphInputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ''))
  const graphOutputs = graph.output ?? []
  const names = (ts: readonly { name?: string | null }[]) => ts.map((t) => t.name ?? '')
  for (const [what, inContract, inGraph] of [
    ['inputs', contract.inputs, graphInputs],
    ['outputs', contract.outputs, graphOutputs],
  ] as const) {
    if (names(inContract).join('\0') !== names(inGraph).join('\0')) {
      throw new FormatError(
        `the leaky contract's ${what} (${names(inContract).join(', ')}) are not the graph's (${names(inGraph).join(', ')})`,
      )
    }
    for (const [k, t] of inContract.entries()) checkDeclared(t, inGraph[k] as OnnxValueInfo)
  }
  return contract
}

/** ONNX's element type numbers for the dtypes a contract may name. */
const ELEMENT_TYPES: Record<TensorContract['dtype'], number> = { float32: 1 }

/** A graph input or output declares the contract's dtype and shape, dim by dim. */
function checkDeclared(t: TensorContract, declared: OnnxValueInfo): void {
  const tensorType = declared.type?.tensorType
  const elemType = tensorType?.elemType ?? 0
  if (elemType !== ELEMENT_TYPES[t.dtype])
    throw new FormatError(
      `the leaky contract says ${t.name} is ${t.dtype}, the graph declares ONNX element type ${elemType}`,
    )
  const dims = tensorType?.shape?.dim
  const graphShape = (dims ?? []).map((d) =>
    d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : '?',
  )
  const same =
    dims !== undefined &&
    dims !== null &&
    graphShape.length === t.shape.length &&
    t.shape.every((d, k) => d === graphShape[k])
  if (!same)
    throw new FormatError(
      `the leaky contract says ${t.name} is [${t.shape.join(', ')}], the graph declares ${dims ? `[${graphShape.join(', ')}]` : 'no shape'}`,
    )
}

/** protobufjs decodes int64 as a number or, with long.js loaded, a Long. */
function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber()
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
const isParameter = (x: unknown) =>
  (typeof x === 'number' && Number.isFinite(x)) ||
  (Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v)))

function checkTensors(x: unknown, what: string): void {
  if (!Array.isArray(x)) fail(`${what} is not a list`)
  for (const t of x as unknown[]) {
    const ok =
      isObject(t) &&
      typeof t.name === 'string' &&
      t.dtype === 'float32' &&
      Array.isArray(t.shape) &&
      t.shape.every((d) => (Number.isInteger(d) && (d as number) >= 0) || (typeof d === 'string' && d !== ''))
    if (!ok) fail(`${what} has an entry that is not { name, dtype: 'float32', shape }`)
  }
}

function fail(why: string): never {
  throw new FormatError(`malformed leaky contract: ${why}`)
}

/** The fields a caller feeds the model with; anything else in the document is informative. */
function checkContract(doc: unknown): ModelContract {
  if (!isObject(doc)) fail('not a JSON object')
  if (doc.format !== 'leaky-onnx-model')
    fail(`format is ${JSON.stringify(doc.format)}, not "leaky-onnx-model"`)
  if (doc.contractVersion !== 1) fail(`contractVersion ${JSON.stringify(doc.contractVersion)} is not 1`)
  if (!['step', 'sequence', 'parallel'].includes(doc.graph as string))
    fail(`unknown graph ${JSON.stringify(doc.graph)}`)
  if (!['feed-forward', 'weighted'].includes(doc.neuron as string))
    fail(`unknown neuron ${JSON.stringify(doc.neuron)}`)
  for (const key of ['neurons', 'inputsPerStep'] as const) {
    if (!Number.isInteger(doc[key]) || (doc[key] as number) <= 0) fail(`${key} is not a whole number > 0`)
  }
  if (!Number.isInteger(doc.batchRank) || (doc.batchRank as number) < 0)
    fail('batchRank is not a whole number ≥ 0')
  if (typeof doc.dt !== 'number' || !(doc.dt > 0)) fail('dt is not a number > 0')
  if (!(typeof doc.tolerance === 'number' && doc.tolerance > 0)) fail('tolerance is not a number > 0')
  if (doc.parameters !== 'baked' && doc.parameters !== 'inputs') fail('parameters is not "baked" or "inputs"')
  if (!['none', 'baked', 'input'].includes(doc.weights as string))
    fail('weights is not "none", "baked" or "input"')
  const params = doc.params
  if (!isObject(params) || !['tauSynInv', 'tauMemInv', 'vLeak'].every((k) => isParameter(params[k])))
    fail('params must hold tauSynInv, tauMemInv and vLeak, each a number or a list of numbers')
  const initial = doc.initialState
  if (!isObject(initial) || initial.v !== 'vLeak' || initial.i !== 0)
    fail('initialState is not { v: "vLeak", i: 0 }')
  if (!isObject(doc.dims)) fail('dims is not an object')
  checkTensors(doc.inputs, 'inputs')
  checkTensors(doc.outputs, 'outputs')
  return doc as unknown as ModelContract
}
