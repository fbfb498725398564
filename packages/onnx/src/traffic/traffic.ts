/**
 * The memory traffic of a graph, read off the graph itself: every node reads its inputs and writes
 * its outputs once (no fusion across nodes, as onnxruntime's GPU EPs run them), with the sizes from
 * ./shapes.ts. On a GPU the LI layer is memory-bound, so bytes per neuron-step at a card's bandwidth
 * predict its throughput; a fused pass needs 8 (x read once, v written once).
 *
 * Counting rules: Reshape, Squeeze, Unsqueeze and Shape are views (0 bytes); Slice and Gather read only
 * what they return; a broadcast operand is read once at its own size; a Scan costs its body's traffic
 * once per iteration; Identity is a copy (onnxruntime copies a graph output given by an Identity).
 */
import type { OnnxGraph, OnnxModel } from '../graph/onnx-types.js'
import { type onnx, proto } from '../graph/proto.js'
import { boundShape, bytesOf, elementCount, inferNode, initializerInfos, type ValueInfo } from './shapes.js'

/** The traffic of one node (a Scan's is its body's, summed over iterations). */
export interface NodeTraffic {
  readonly op: string
  readonly name: string
  readonly bytesRead: number
  readonly bytesWritten: number
}

/** The bytes one graph reads and writes for one case, in total and per node. */
export interface GraphTraffic {
  readonly bytesRead: number
  readonly bytesWritten: number
  /** Graph nodes, Scan bodies included once each. */
  readonly nodes: readonly NodeTraffic[]
}

const VIEWS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Shape'])

function walk(
  graph: onnx.IGraphProto,
  values: Map<string, ValueInfo>,
  outer: ReadonlyMap<string, ValueInfo>,
  repeat: number,
  out: NodeTraffic[],
): void {
  const lookup = (name: string): ValueInfo | undefined => {
    if (name === '') return undefined
    const v = values.get(name) ?? outer.get(name)
    if (!v) throw new Error(`traffic model: value "${name}" is used before it is made`)
    return v
  }
  for (const t of initializerInfos(graph)) values.set(t[0], t[1])
  for (const node of graph.node ?? []) {
    const op = node.opType ?? ''
    const inputs = (node.input ?? []).map(lookup)
    let results: ValueInfo[]
    if (op === 'Scan') results = scan(node, inputs as ValueInfo[], values, outer, repeat, out)
    else {
      results = inferNode(node, inputs)
      const written = results.reduce((s, r) => s + bytesOf(r), 0)
      let read = 0
      if (op === 'Slice' || op === 'Gather') read = written
      else if (op === 'ConstantOfShape') read = 0
      else if (!VIEWS.has(op)) read = inputs.reduce((s, v) => s + (v ? bytesOf(v) : 0), 0)
      out.push({
        op,
        name: node.name ?? op,
        bytesRead: repeat * read,
        bytesWritten: VIEWS.has(op) ? 0 : repeat * written,
      })
    }
    ;(node.output ?? []).forEach((name, k) => {
      if (name !== '') values.set(name, results[k] as ValueInfo)
    })
  }
}

function scan(
  node: onnx.INodeProto,
  inputs: readonly ValueInfo[],
  values: ReadonlyMap<string, ValueInfo>,
  outer: ReadonlyMap<string, ValueInfo>,
  repeat: number,
  out: NodeTraffic[],
): ValueInfo[] {
  const body = (node.attribute ?? []).find((a) => a.name === 'body')?.g
  const scanInputs = Number((node.attribute ?? []).find((a) => a.name === 'num_scan_inputs')?.i ?? 0)
  if (!body) throw new Error('traffic model: Scan without a body')
  const states = inputs.slice(0, inputs.length - scanInputs)
  const sequences = inputs.slice(inputs.length - scanInputs)
  const iterations = sequences[0]?.shape[0] ?? 0
  const bodyValues = new Map<string, ValueInfo>()
  ;(body.input ?? []).forEach((info, k) => {
    const source = k < states.length ? states[k] : sequences[k - states.length]
    if (!source) throw new Error(`traffic model: Scan body input ${info.name} has no operand`)
    bodyValues.set(info.name ?? '', k < states.length ? source : { ...source, shape: source.shape.slice(1) })
  })
  const scope = new Map([...outer, ...values])
  walk(body, bodyValues, scope, repeat * iterations, out)
  return (body.output ?? []).map((info, k) => {
    const v = bodyValues.get(info.name ?? '') as ValueInfo
    return k < states.length ? v : { shape: [iterations, ...v.shape], elementType: v.elementType }
  })
}

/**
 * The traffic of one run of `model` (a ModelProto, its bytes, or a GraphProto) with the symbolic
 * dimensions bound by `dims` (e.g. `{ T: 1000, batch0: 4 }`).
 */
export function graphTraffic(
  model: Uint8Array | OnnxModel | OnnxGraph,
  dims: Readonly<Record<string, number>> = {},
): GraphTraffic {
  // The package's own message types are onnx-proto's shapes (kept out of the public .d.ts).
  const decoded =
    model instanceof Uint8Array
      ? proto.ModelProto.decode(model)
      : (model as unknown as onnx.IModelProto | onnx.IGraphProto)
  const graph = 'graph' in decoded && decoded.graph ? decoded.graph : (decoded as onnx.IGraphProto)
  const values = new Map<string, ValueInfo>()
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name))
  for (const info of graph.input ?? []) {
    if (initializers.has(info.name)) continue
    const type = info.type?.tensorType?.elemType === proto.TensorProto.DataType.INT64 ? 'int64' : 'float32'
    values.set(info.name ?? '', { shape: boundShape(info, dims), elementType: type })
  }
  const nodes: NodeTraffic[] = []
  walk(graph, values, new Map(), 1, nodes)
  return {
    bytesRead: nodes.reduce((s, n) => s + n.bytesRead, 0),
    bytesWritten: nodes.reduce((s, n) => s + n.bytesWritten, 0),
    nodes,
  }
}

export { elementCount }
