import { decodeH5, encodeH5, type H5Input, type WriteOptions } from '../hdf5/h5wasm.js'
import type { BytesLike } from '../npy/npy.js'
import { asBytes } from '../npy/npy.js'
import { type NirDocument, type NirGraph, parseNir } from './graph.js'

/**
 * Reads a .nir file held in memory, in this thread (browser or Node). A damaged file can make HDF5
 * loop or trap: in a browser call this from a Web Worker; in Node prefer readNirFile from
 * @leaky/interop/node, which decodes in a worker thread with a timeout.
 */
export async function readNir(input: BytesLike): Promise<NirDocument> {
  return parseNir(await decodeH5(asBytes(input)))
}

/** A NIR document as .nir bytes (HDF5), laid out as nir.write does. gzip is off unless asked. */
export async function writeNir(doc: NirDocument, options: WriteOptions = {}): Promise<Uint8Array> {
  return encodeH5({ version: text(doc.version), node: graphTree(doc.graph) }, options)
}

function text(value: string): H5Input {
  return { kind: 'dataset', shape: [], value: [value] }
}

function graphTree(graph: NirGraph): H5Input {
  const nodes: Record<string, H5Input> = {}
  for (const node of graph.nodes) {
    if (node.graph) {
      nodes[node.name] = graphTree(node.graph)
      continue
    }
    const entries: Record<string, H5Input> = { type: text(node.type) }
    for (const [key, p] of Object.entries(node.params)) {
      if (
        !(p.data instanceof Float32Array || p.data instanceof Float64Array || p.data instanceof BigInt64Array)
      ) {
        throw new TypeError(`writeNir: ${node.path}.${key} must be float32, float64 or int64`)
      }
      entries[key] = { kind: 'dataset', shape: p.shape, value: p.data }
    }
    nodes[node.name] = { kind: 'group', entries }
  }
  const entries: Record<string, H5Input> = {
    type: text('NIRGraph'),
    nodes: { kind: 'group', entries: nodes },
    edges: { kind: 'dataset', shape: [graph.edges.length, 2], value: graph.edges.flat() },
  }
  const meta = Object.entries(graph.metadata)
  if (meta.length > 0) {
    entries.metadata = {
      kind: 'group',
      entries: Object.fromEntries(
        meta.map(([k, v]) => [
          k,
          typeof v === 'string'
            ? text(v)
            : { kind: 'dataset', shape: v.shape, value: v.data as Float64Array },
        ]),
      ),
    }
  }
  return { kind: 'group', entries }
}
