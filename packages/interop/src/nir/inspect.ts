import { type NirDocument, type NirGraph, type NirNode, shapeParam } from './graph.js'

/** Node types leaky maps onto its layers; NIRGraph is a container whose nodes are checked one by one. */
export const SUPPORTED_NIR_TYPES = [
  'Input',
  'Output',
  'Affine',
  'Linear',
  'CubaLI',
  'LI',
  'NIRGraph',
] as const

/** Whether leaky can run a NIR node of this type. */
export function isSupportedType(type: string): boolean {
  return (SUPPORTED_NIR_TYPES as readonly string[]).includes(type)
}

/** One node of a NIR file, and whether leaky can run it. */
export interface NirNodeSummary {
  /** 'fc1', or 'hidden/lif' inside the subgraph 'hidden'. */
  readonly path: string
  readonly type: string
  /** Shape of what the node takes and gives, when its parameters say ([] unknown). */
  readonly inputShape: readonly number[]
  readonly outputShape: readonly number[]
  /** Each parameter with its dtype and shape, e.g. weight: '<f4 [38, 12]'. */
  readonly params: { readonly [name: string]: string }
  readonly supported: boolean
}

/** What a NIR file holds, and what leaky can run of it. */
export interface NirSummary {
  readonly version: string
  readonly nodes: readonly NirNodeSummary[]
  /** Every edge, with names qualified by the subgraph they belong to ('hidden/input'). */
  readonly edges: readonly { readonly from: string; readonly to: string }[]
  /** Paths and types of the nodes leaky cannot map. */
  readonly unsupported: readonly { readonly path: string; readonly type: string }[]
}

/** A summary of a NIR document: what `leaky nir inspect` prints. */
export function inspectNir(doc: NirDocument): NirSummary {
  const nodes: NirNodeSummary[] = []
  const edges: { from: string; to: string }[] = []
  const visit = (graph: NirGraph, prefix: string) => {
    for (const [from, to] of graph.edges) edges.push({ from: prefix + from, to: prefix + to })
    for (const node of graph.nodes) {
      const [inputShape, outputShape] = shapesOf(node)
      nodes.push({
        path: node.path,
        type: node.type,
        inputShape,
        outputShape,
        params: Object.fromEntries(
          Object.entries(node.params).map(([k, p]) => [k, `${p.dtype} [${p.shape.join(', ')}]`]),
        ),
        supported: isSupportedType(node.type),
      })
      if (node.graph) visit(node.graph, `${node.path}/`)
    }
  }
  visit(doc.graph, '')
  const unsupported = nodes.filter((n) => !n.supported).map(({ path, type }) => ({ path, type }))
  return { version: doc.version, nodes, edges, unsupported }
}

/** [input, output] shapes from a node's own parameters. */
export function shapesOf(node: NirNode): [number[], number[]] {
  const dims = (name: string) => [...(node.params[name]?.shape ?? [])]
  switch (node.type) {
    case 'Input':
    case 'Output': {
      const shape = shapeParam(node, 'shape') ?? []
      return [shape, shape]
    }
    case 'Affine':
    case 'Linear': {
      const [out, inp] = dims('weight')
      return out === undefined || inp === undefined ? [[], []] : [[inp], [out]]
    }
    case 'NIRGraph': {
      const find = (type: string) => node.graph?.nodes.find((n) => n.type === type)
      const input = find('Input')
      const output = find('Output')
      return [
        input ? (shapeParam(input, 'shape') ?? []) : [],
        output ? (shapeParam(output, 'shape') ?? []) : [],
      ]
    }
    default: {
      // Neuron nodes: every state parameter has the shape of the population (NIR asserts it).
      const first = ['v_leak', 'tau', 'tau_mem', 'r', 'v_threshold'].find((k) => node.params[k])
      const shape = first ? dims(first) : []
      return [shape, shape]
    }
  }
}
