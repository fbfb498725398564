import {
  DEFAULT_DT,
  FormatError,
  type LIParameters,
  type ParameterValue,
  type Tensor,
  UnsupportedError,
} from '@leaky/core'
import type { LeakyModel, ModelLayer } from '../model/model.js'
import {
  doubleParam,
  floatParam,
  type NirArray,
  type NirDocument,
  type NirGraph,
  type NirNode,
  shapeParam,
} from './graph.js'
import { inspectNir } from './inspect.js'

/**
 * NIR ↔ leaky, and the convention it rests on.
 *
 * NIR is continuous time (taus in seconds):
 *   CubaLI: tau_syn·I' = −I + w_in·S,  tau_mem·v' = (v_leak − v) + r·I
 *   LI:     tau·v'     = (v_leak − v) + r·I
 * Leaky runs forward Euler with step dt, the input x of a step being the value of S (or I) held over
 * that step, as NIR's own Lava and snnTorch bridges do. For CubaLI one step then adds
 * (dt/tau_syn)·w_in·x to the current, where Norse's LI adds x: so a CubaLI node runs as Norse's LI with
 *   tauSynInv = 1/tau_syn, tauMemInv = 1/tau_mem, vLeak = v_leak,
 *   and the input scaled by g = r·w_in·dt/tau_syn per neuron
 * (r scales the current seen by the voltage; the model is linear, so r folds into the input). For LI
 * (the box variant) g = r. Leaky folds g into the rows of the preceding weights (and bias), or makes
 * diag(g) the weights of a layer without any; g = 1 leaves the weights bit for bit as in the file.
 * Like Norse, the current takes the step's input before the voltage is updated.
 *
 * Writing is the inverse: r = 1 and w_in = tau_syn/dt (so g = 1), the taus as 1/tauInv in float64,
 * and dt in the graph's metadata (`metadata/dt`), which the reader uses unless told another dt.
 * Other writers disagree (Norse's own export writes r = w_in = 1; snnTorch writes r = tau_mem/dt for
 * its discrete v = βv + I): a file carries no dt, so the caller must know which one it came from.
 */

export interface NirReadOptions {
  /** The step to discretize with; default: the file's metadata/dt, else Norse's 0.001. */
  readonly dt?: number
}

const NEURONS = new Set(['CubaLI', 'LI'])
const WEIGHTS = new Set(['Affine', 'Linear'])

/** Maps a NIR graph onto a leaky model. Unsupported nodes: one UnsupportedError naming every one. */
export function nirToModel(doc: NirDocument, options: NirReadOptions = {}): LeakyModel {
  const { unsupported } = inspectNir(doc)
  if (unsupported.length > 0) {
    throw new UnsupportedError(
      `NIR: ${unsupported.length} node(s) leaky cannot run: ${unsupported.map((n) => `${n.path} (${n.type})`).join(', ')}. ` +
        'Leaky runs Input, Output, Affine, Linear, CubaLI and LI (non-spiking leaky integrators).',
    )
  }
  const fileDt = doc.graph.metadata.dt
  const dt = options.dt ?? (typeof fileDt === 'object' ? Number(fileDt.data[0]) : DEFAULT_DT)
  if (!(dt > 0 && Number.isFinite(dt))) throw new FormatError(`NIR: dt must be > 0, got ${dt}`)
  const chain = flattenChain(doc.graph)
  const input = chain.shift()
  const output = chain.pop()
  const inputShape = input ? shapeParam(input, 'shape') : undefined
  if (inputShape?.length !== 1) {
    throw new UnsupportedError(
      `NIR: the Input must be one-dimensional [features], got [${inputShape?.join(', ') ?? ''}]`,
    )
  }
  const layers: ModelLayer[] = []
  let width = inputShape[0] as number
  for (let k = 0; k < chain.length; k++) {
    const node = chain[k] as NirNode
    let weightNode: NirNode | undefined
    let neuron = node
    if (WEIGHTS.has(node.type)) {
      weightNode = node
      neuron = chain[++k] as NirNode
      if (!neuron || !NEURONS.has(neuron.type)) {
        throw new UnsupportedError(
          `NIR: ${node.path} (${node.type}) must feed a CubaLI or LI node, it feeds ${neuron?.path ?? 'the Output'}`,
        )
      }
    }
    const layer = mapLayer(neuron, weightNode, width, dt)
    layers.push(layer)
    width = layer.neurons
  }
  if (layers.length === 0) throw new UnsupportedError('NIR: the graph has no CubaLI or LI node')
  const outShape = output ? shapeParam(output, 'shape') : undefined
  if (outShape && outShape.length === 1 && outShape[0] !== width) {
    throw new FormatError(`NIR: the Output expects [${outShape[0]}], the last layer has ${width} neurons`)
  }
  return { inputs: inputShape[0] as number, dt, layers }
}

/**
 * Inlines subgraphs and walks the edges from the Input: leaky models are chains, so every node must
 * have one successor (branches and recurrent edges are refused). Returns Input, …, Output.
 */
function flattenChain(top: NirGraph): NirNode[] {
  const nodes = new Map<string, NirNode>()
  const next = new Map<string, string[]>()
  const link = (from: string, to: string) => next.set(from, [...(next.get(from) ?? []), to])
  // Returns the qualified names of a graph's Input and Output, after adding its nodes and edges.
  const add = (graph: NirGraph, prefix: string): { input?: string; output?: string } => {
    const ends = new Map<string, { input?: string; output?: string }>()
    let input: string | undefined
    let output: string | undefined
    for (const node of graph.nodes) {
      const q = prefix + node.name
      if (node.graph) ends.set(node.name, add(node.graph, `${q}/`))
      else nodes.set(q, node)
      if (node.type === 'Input') input = q
      if (node.type === 'Output') output = q
    }
    const resolve = (name: string, side: 'input' | 'output') => {
      const sub = ends.get(name)
      if (sub)
        return (
          sub[side] ?? fail(`subgraph ${prefix}${name} has no ${side === 'input' ? 'Input' : 'Output'} node`)
        )
      // 'sub.node' reaches into a subgraph; a node may also simply have a dot in its name.
      if (!graph.nodes.some((n) => n.name === name) && name.includes('.')) {
        const [head, ...rest] = name.split('.')
        if (ends.has(head as string)) return `${prefix}${head}/${rest.join('.')}`
      }
      return prefix + name
    }
    for (const [from, to] of graph.edges) link(resolve(from, 'output'), resolve(to, 'input'))
    return { ...(input ? { input } : {}), ...(output ? { output } : {}) }
  }
  const fail = (why: string): never => {
    throw new UnsupportedError(`NIR: ${why}`)
  }
  const { input, output } = add(top, '')
  if (!input || !output) fail('the top graph needs an Input and an Output node')
  // Subgraph Input/Output nodes are pass-throughs: skip them on the walk.
  const chain: NirNode[] = []
  const seen = new Set<string>()
  let at = input as string
  for (;;) {
    if (seen.has(at))
      fail(`a cycle through ${at}: recurrent connections are not supported (leaky models are chains)`)
    seen.add(at)
    const node = nodes.get(at) ?? fail(`an edge names ${at}, which is not a node`)
    const isBoundary = (node.type === 'Input' || node.type === 'Output') && at !== input && at !== output
    if (!isBoundary) chain.push(node)
    if (at === output) break
    const outs = next.get(at) ?? []
    if (outs.length !== 1) {
      fail(
        outs.length === 0
          ? `${at} leads nowhere (no path from the Input to the Output)`
          : `${at} feeds ${outs.length} nodes (${outs.join(', ')}): branches and recurrent connections are not supported (leaky models are chains)`,
      )
    }
    at = outs[0] as string
  }
  const extra = [...nodes.keys()].filter((q) => !seen.has(q))
  if (extra.length > 0)
    fail(`nodes off the Input→Output chain: ${extra.join(', ')} (branches are not supported)`)
  return chain
}

function mapLayer(neuron: NirNode, weightNode: NirNode | undefined, width: number, dt: number): ModelLayer {
  const box = neuron.type === 'LI'
  const fail = (why: string): never => {
    throw new FormatError(`NIR: ${why}`)
  }
  // A 0-d parameter is one value for the whole population, as NIR means it: the population's size
  // then comes from a per-neuron parameter, else the weights' rows, else the width that feeds it.
  const names = box ? ['v_leak', 'tau', 'r'] : ['v_leak', 'tau_mem', 'tau_syn', 'r', 'w_in']
  const perNeuron = names.map((name) => neuron.params[name]).find((p) => p && p.shape.length > 0)
  const weightRows = weightNode?.params.weight?.shape[0]
  const N = perNeuron ? perNeuron.data.length : (weightRows ?? width)
  const broadcast = (name: string, values: Float64Array) =>
    neuron.params[name]?.shape.length === 0 ? new Float64Array(N).fill(values[0] as number) : values
  const need = (name: string) =>
    broadcast(name, doubleParam(neuron, name) ?? fail(`${neuron.path} (${neuron.type}) has no '${name}'`))
  const vLeak = need('v_leak')
  const tauMem = need(box ? 'tau' : 'tau_mem')
  const tauSyn = box ? undefined : need('tau_syn')
  const r = need('r')
  const wInRaw = box ? undefined : doubleParam(neuron, 'w_in')
  const wIn = box ? undefined : wInRaw ? broadcast('w_in', wInRaw) : new Float64Array(N).fill(1)
  for (const [name, p] of [
    ['v_leak', vLeak],
    [box ? 'tau' : 'tau_mem', tauMem],
    ['tau_syn', tauSyn],
    ['r', r],
    ['w_in', wIn],
  ] as const) {
    if (p && p.length !== N) fail(`${neuron.path}.${name} has ${p.length} values, the layer has ${N} neurons`)
  }
  const inverse = (taus: Float64Array, name: string) =>
    taus.map((tau) =>
      tau > 0 && Number.isFinite(tau) ? 1 / tau : fail(`${neuron.path}.${name} must be > 0, got ${tau}`),
    )
  const gain = new Float32Array(N)
  for (let n = 0; n < N; n++) {
    gain[n] = box
      ? (r[n] as number)
      : ((r[n] as number) * (wIn?.[n] as number) * dt) / (tauSyn?.[n] as number)
  }
  const params: LIParameters = {
    tauSynInv: box ? 1 / 5e-3 : scalarIfUniform(inverse(tauSyn as Float64Array, 'tau_syn')),
    tauMemInv: scalarIfUniform(inverse(tauMem, box ? 'tau' : 'tau_mem')),
    vLeak: scalarIfUniform(vLeak),
  }
  let weights: Tensor | undefined
  let bias: Float32Array | undefined
  if (weightNode) {
    const w = weightNode.params.weight ?? fail(`${weightNode.path} (${weightNode.type}) has no weight`)
    const [rows, cols] = w.shape
    if (w.shape.length !== 2 || rows !== N || cols !== width) {
      fail(
        `${weightNode.path}.weight is [${w.shape.join(', ')}], expected [${N}, ${width}] (${neuron.path} has ${N} neurons)`,
      )
    }
    weights = { data: (floatParam(weightNode, 'weight') as Float32Array).slice(), shape: [N, width] }
    if (weightNode.type === 'Affine') {
      const b = floatParam(weightNode, 'bias') ?? fail(`${weightNode.path} (Affine) has no bias`)
      if (b.length !== N) fail(`${weightNode.path}.bias has ${b.length} values, expected ${N}`)
      // A zero bias adds nothing (x + 0 = x exactly): such a layer is a plain core layer.
      if (b.some((x) => x !== 0)) bias = b.slice()
    }
  } else if (width !== N) {
    fail(`${neuron.path} has ${N} neurons but receives ${width} values and has no weights before it`)
  }
  if (gain.some((g) => g !== 1)) {
    if (!weights) {
      weights = { data: new Float32Array(N * N), shape: [N, N] }
      for (let n = 0; n < N; n++) weights.data[n * N + n] = 1
    }
    for (let n = 0; n < N; n++) {
      const g = gain[n] as number
      if (g === 1) continue
      for (let k = 0; k < width; k++)
        weights.data[n * width + k] = g * (weights.data[n * width + k] as number)
      if (bias) bias[n] = g * (bias[n] as number)
    }
  }
  return {
    name: neuron.path,
    neuron: box ? 'li-box' : 'li',
    neurons: N,
    ...(weights ? { weights } : {}),
    ...(bias ? { bias } : {}),
    params,
  }
}

function scalarIfUniform(values: Float64Array): ParameterValue {
  const f32 = Float32Array.from(values)
  return f32.every((x) => x === f32[0]) ? (f32[0] as number) : f32
}

/**
 * A leaky model as a NIR document (Input → Affine → CubaLI|LI → … → Output), readable by nir.read.
 * Layers named with a path ('hidden/lif', as read from a nested NIRGraph) go back into that subgraph,
 * with its own Input and Output; the parent's edges name the subgraph itself, as nir (1.0.8) requires.
 */
export function modelToNir(model: LeakyModel, version = NIR_VERSION): NirDocument {
  const layers = model.layers.map((layer, k) => ({ layer, path: (layer.name || `li${k}`).split('/') }))
  const graph = chainGraph(layers, model.inputs, model.dt, '')
  return { version, graph: { ...graph, metadata: { dt: f64(Float64Array.of(model.dt)) } } }
}

interface PathLayer {
  readonly layer: ModelLayer
  /** The layer's name split at '/': subgraphs, then its node name. */
  readonly path: readonly string[]
}

/** One graph: Input → (the layers, consecutive ones sharing a subgraph nested in it) → Output. */
function chainGraph(layers: readonly PathLayer[], inputs: number, dt: number, where: string): NirGraph {
  const nodes: NirNode[] = []
  const edges: [string, string][] = []
  const node = (name: string, type: string, params: Record<string, NirArray>, graph?: NirGraph) => {
    if (nodes.some((n) => n.name === name))
      throw new FormatError(`NIR: two nodes of ${where || 'the top graph'} would be named '${name}'`)
    const path = where ? `${where}/${name}` : name
    nodes.push(graph ? { name, path, type, params, graph } : { name, path, type, params })
  }
  node('input', 'Input', { shape: int64([inputs]) })
  let previous = 'input'
  let width = inputs
  for (let k = 0; k < layers.length; ) {
    const { layer, path } = layers[k] as PathLayer
    if (path.length > 1) {
      // The run of layers in the same subgraph, their paths made relative to it.
      const sub = path[0] as string
      const run: PathLayer[] = []
      for (; k < layers.length; k++) {
        const next = layers[k] as PathLayer
        if (next.path.length < 2 || next.path[0] !== sub) break
        run.push({ layer: next.layer, path: next.path.slice(1) })
      }
      const inner = chainGraph(run, width, dt, where ? `${where}/${sub}` : sub)
      node(sub, 'NIRGraph', {}, inner)
      edges.push([previous, sub])
      previous = sub
      width = (run.at(-1) as PathLayer).layer.neurons
      continue
    }
    k++
    const name = path[0] as string
    const N = layer.neurons
    if (layer.weights) {
      const affine = `${name}_affine`
      node(affine, 'Affine', {
        weight: { dtype: '<f4', shape: [...layer.weights.shape], data: layer.weights.data.slice() },
        bias: { dtype: '<f4', shape: [N], data: layer.bias?.slice() ?? new Float32Array(N) },
      })
      edges.push([previous, affine])
      previous = affine
    }
    const values = (v: ParameterValue) =>
      Float64Array.from(typeof v === 'number' ? new Float32Array(N).fill(v) : v)
    const vector = (v: ParameterValue) => f64(values(v))
    // tau = 1/tauInv in float64: reading takes 1/tau again and rounds to float32, which gives tauInv back.
    const tau = (inv: ParameterValue) => f64(values(inv).map((x) => 1 / x))
    if (layer.neuron === 'li-box') {
      node(name, 'LI', {
        tau: tau(layer.params.tauMemInv),
        r: f64(new Float64Array(N).fill(1)),
        v_leak: vector(layer.params.vLeak),
      })
    } else {
      const tauSyn = tau(layer.params.tauSynInv)
      node(name, 'CubaLI', {
        tau_syn: tauSyn,
        tau_mem: tau(layer.params.tauMemInv),
        r: f64(new Float64Array(N).fill(1)),
        v_leak: vector(layer.params.vLeak),
        w_in: f64((tauSyn.data as Float64Array).map((t) => t / dt)),
      })
    }
    edges.push([previous, name])
    previous = name
    width = N
  }
  node('output', 'Output', { shape: int64([width]) })
  edges.push([previous, 'output'])
  return { nodes, edges, metadata: {} }
}

/** The NIR library version leaky's files claim (the format of nir.write 1.x). */
export const NIR_VERSION = '1.0.0'

function f64(data: Float64Array): NirArray {
  return { dtype: '<f8', shape: [data.length], data }
}

function int64(values: number[]): NirArray {
  return { dtype: '<i8', shape: [values.length], data: BigInt64Array.from(values, BigInt) }
}
