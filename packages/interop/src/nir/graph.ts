import { FormatError } from '@leaky/core'
import type { H5Dataset, H5Entry, H5Group, H5Numbers } from '../hdf5/tree.js'

/**
 * A NIR document as the NIR reference library writes it (neuromorphs/NIR, nir.write): the root holds
 * `version` (text) and `node`, the top NIRGraph. Every node is a group with a `type` text dataset and
 * one dataset per parameter; a NIRGraph also holds `nodes` (a group of nodes) and `edges` (text [E, 2],
 * source then target). Extra groups (`metadata`, `input_type`, `output_type`) may be present.
 */
export interface NirDocument {
  readonly version: string
  readonly graph: NirGraph
}

/** A NIR graph: nodes and the edges between them. */
export interface NirGraph {
  readonly nodes: readonly NirNode[]
  readonly edges: readonly (readonly [string, string])[]
  /** The graph's `metadata` group: numbers and text only (leaky stores `dt` here). */
  readonly metadata: { readonly [key: string]: NirArray | string }
}

/** An array in a NIR file: its shape and values. */
export interface NirArray {
  /** numpy-style: '<f4', '<f8', '<i8' … */
  readonly dtype: string
  readonly shape: readonly number[]
  readonly data: H5Numbers
}

/** A NIR node: its type and parameters. */
export interface NirNode {
  /** The node's key in its graph. */
  readonly name: string
  /** Names from the top graph down, joined by '/': 'hidden/lif'. */
  readonly path: string
  readonly type: string
  /** Every numeric dataset of the node but `type`. */
  readonly params: { readonly [name: string]: NirArray }
  /** For a NIRGraph node: its nodes and edges. */
  readonly graph?: NirGraph
}

/** The NIR structure of an HDF5 tree; any part missing or of the wrong kind is a FormatError. */
export function parseNir(root: H5Group): NirDocument {
  const version = text(root.entries.version, 'version')
  const top = root.entries.node
  if (top?.kind !== 'group') throw new FormatError("NIR: no 'node' group at the root (is this a .nir file?)")
  const type = text(top.entries.type, 'node/type')
  if (type !== 'NIRGraph') throw new FormatError(`NIR: the top node is a ${type}, expected a NIRGraph`)
  return { version, graph: parseGraph(top, '') }
}

function parseGraph(group: H5Group, path: string): NirGraph {
  const where = path || 'the top graph'
  const nodesGroup = group.entries.nodes
  if (nodesGroup?.kind !== 'group') throw new FormatError(`NIR: ${where} has no 'nodes' group`)
  const nodes = Object.entries(nodesGroup.entries).map(([name, entry]) =>
    parseNode(name, entry, path ? `${path}/${name}` : name),
  )
  const names = new Set(nodes.map((n) => n.name))
  const edges = parseEdges(group.entries.edges, where)
  for (const [from, to] of edges) {
    for (const end of [from, to]) {
      if (!names.has(end) && !names.has(end.split('.')[0] as string)) {
        throw new FormatError(`NIR: an edge of ${where} names '${end}', which is not one of its nodes`)
      }
    }
  }
  const metadata: Record<string, NirArray | string> = {}
  const meta = group.entries.metadata
  if (meta?.kind === 'group') {
    for (const [key, entry] of Object.entries(meta.entries)) {
      if (entry.kind !== 'dataset') continue
      metadata[key] = entry.dtype === 'string' ? (entry.value as string[]).join(', ') : toArray(entry)
    }
  }
  return { nodes, edges, metadata }
}

function parseNode(name: string, entry: H5Entry, path: string): NirNode {
  if (entry.kind !== 'group') throw new FormatError(`NIR: node '${path}' is a dataset, not a group`)
  const type = text(entry.entries.type, `${path}/type`)
  const params: Record<string, NirArray> = {}
  for (const [key, child] of Object.entries(entry.entries)) {
    if (key === 'type' || child.kind !== 'dataset' || child.dtype === 'string') continue
    params[key] = toArray(child)
  }
  if (type === 'NIRGraph') return { name, path, type, params, graph: parseGraph(entry, path) }
  return { name, path, type, params }
}

function parseEdges(entry: H5Entry | undefined, where: string): [string, string][] {
  if (entry?.kind !== 'dataset' || entry.dtype !== 'string')
    throw new FormatError(`NIR: ${where} has no text 'edges' dataset`)
  const values = entry.value as readonly string[]
  // An empty graph may store its edges as an empty array of any shape.
  if (values.length === 0) return []
  if (entry.shape.length !== 2 || entry.shape[1] !== 2 || values.length !== (entry.shape[0] as number) * 2) {
    throw new FormatError(`NIR: edges of ${where} must be text [E, 2], got shape [${entry.shape.join(', ')}]`)
  }
  const edges: [string, string][] = []
  for (let k = 0; k < values.length; k += 2) edges.push([values[k] as string, values[k + 1] as string])
  return edges
}

function text(entry: H5Entry | undefined, what: string): string {
  if (entry?.kind !== 'dataset' || entry.dtype !== 'string' || entry.value.length !== 1) {
    throw new FormatError(`NIR: '${what}' must be one text value`)
  }
  return entry.value[0] as string
}

function toArray(d: H5Dataset): NirArray {
  return { dtype: d.dtype, shape: d.shape, data: d.value as H5Numbers }
}

/** A node's parameter as float32 (NIR writers use float32 or float64), or undefined when absent. */
export function floatParam(node: NirNode, name: string): Float32Array | undefined {
  const p = node.params[name]
  if (!p) return undefined
  if (!(p.data instanceof Float32Array || p.data instanceof Float64Array)) {
    throw new FormatError(`NIR: ${node.path}.${name} must be float32 or float64, got ${p.dtype}`)
  }
  return p.data instanceof Float32Array ? p.data : Float32Array.from(p.data)
}

/** A node's parameter in float64 (exact for both float32 and float64 files). */
export function doubleParam(node: NirNode, name: string): Float64Array | undefined {
  const p = node.params[name]
  if (!p) return undefined
  if (!(p.data instanceof Float32Array || p.data instanceof Float64Array)) {
    throw new FormatError(`NIR: ${node.path}.${name} must be float32 or float64, got ${p.dtype}`)
  }
  return Float64Array.from(p.data)
}

/** An integer shape parameter (Input/Output `shape`, int64 in files NIR writes) as numbers. */
export function shapeParam(node: NirNode, name: string): number[] | undefined {
  const p = node.params[name]
  if (!p) return undefined
  const values = Array.from(p.data as ArrayLike<number | bigint>, Number)
  if (!values.every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw new FormatError(`NIR: ${node.path}.${name} must hold sizes (integers >= 0)`)
  }
  return values
}
