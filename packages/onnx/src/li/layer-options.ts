/** Options shared by every LI graph builder, the checks on a spec, and the input projection x·Wᵀ. */
import {
  formatShape,
  ParameterError,
  type ResolvedLayerSpec,
  ShapeError,
  UnsupportedError,
} from '@leaky/core'
import { checkNeurons } from '@leaky/core/backend'
import type { Dim, GraphBuilder } from '../graph/graph-builder.js'

/** How the LI parameters enter a graph. */
export type ParameterMode =
  /** a = dt·tauMemInv, b = dt·tauSynInv and vLeak baked as float32 initializers (smallest graph). */
  | 'baked'
  /** graph inputs tau_syn_inv, tau_mem_inv, v_leak, each [N]; dt stays baked. */
  | 'inputs'

/** How the weights of a weighted layer enter a graph. */
export type WeightsMode =
  /** Wᵀ stored as an initializer [in, N], so the MatMul needs no Transpose. */
  | 'baked'
  /** graph input `weights` [N, in] (torch's layout), transposed in the graph. */
  | 'input'

/** Graph input names of {@link ParameterMode} 'inputs' and {@link WeightsMode} 'input'. */
export const PARAMETER_INPUTS = {
  tauSynInv: 'tau_syn_inv',
  tauMemInv: 'tau_mem_inv',
  vLeak: 'v_leak',
  weights: 'weights',
} as const

/** Options every LI graph builder takes. */
export interface LIGraphOptions {
  /** Default 'baked'. */
  readonly parameters?: ParameterMode
  /** Default 'baked'. A feed-forward layer has no weights: there the option changes nothing. */
  readonly weights?: WeightsMode
  /** Batch dimensions between time and neurons: fixed sizes or symbolic names. Default: none. */
  readonly batchDims?: readonly Dim[]
}

/** Options of the sequence graphs: the time length may be fixed or symbolic. */
export interface SequenceGraphOptions extends LIGraphOptions {
  /** Number of time steps, or a symbolic name (default 'T'). */
  readonly steps?: number | string
}

/**
 * Checks what resolveSpec guarantees again (a spec may be built by hand) and what a graph needs on
 * top: a known neuron kind, weights of shape [N, inputs], coefficient vectors of length N.
 */
export function checkLayer(spec: ResolvedLayerSpec, o: LIGraphOptions): void {
  if (typeof spec !== 'object' || spec === null) throw new ParameterError('a layer spec must be an object')
  const n = checkNeurons(spec.neurons)
  if (spec.kind !== 'feed-forward' && spec.kind !== 'weighted') {
    throw new UnsupportedError(
      `neuron kind "${String(spec.kind)}" has no ONNX graph; supported: feed-forward, weighted`,
    )
  }
  for (const key of ['a', 'b', 'vLeak'] as const) {
    const c = spec.coefficients?.[key]
    if (!(c instanceof Float32Array) || c.length !== n) {
      throw new ShapeError(`spec.coefficients.${key} must be a Float32Array of ${n} values (use resolveSpec)`)
    }
  }
  if (spec.kind === 'weighted') {
    const w = spec.weights
    if (w?.shape.length !== 2 || w.shape[0] !== n || w.shape[1] !== spec.inputs) {
      throw new ShapeError(
        `weights must be [neurons, inputs] = [${n}, ${spec.inputs}], got ${w ? formatShape(w.shape) : 'none'}`,
      )
    }
    if (w.data.length !== n * spec.inputs) {
      throw new ShapeError(`weights ${formatShape(w.shape)} hold ${w.data.length} values`)
    }
  }
  if (o.parameters !== undefined && o.parameters !== 'baked' && o.parameters !== 'inputs') {
    throw new UnsupportedError(`parameters must be "baked" or "inputs", got "${String(o.parameters)}"`)
  }
  if (o.weights !== undefined && o.weights !== 'baked' && o.weights !== 'input') {
    throw new UnsupportedError(`weights must be "baked" or "input", got "${String(o.weights)}"`)
  }
}

/** Input width of x: the weights' input count, or N for feed-forward. */
export function inputWidth(spec: ResolvedLayerSpec): number {
  return spec.kind === 'weighted' ? spec.inputs : spec.neurons
}

/** Wᵀ, [in, N] row-major, from torch's [N, in]. */
export function transposeWeights(w: Float32Array, neurons: number, inputs: number): Float32Array {
  const t = new Float32Array(w.length)
  for (let o = 0; o < neurons; o++) {
    for (let k = 0; k < inputs; k++) t[k * neurons + o] = w[o * inputs + k] as number
  }
  return t
}

/**
 * x → x·Wᵀ for weighted layers (identity for feed-forward). One MatMul over every leading row
 * (time and batch): onnxruntime folds the leading axes into one GEMM when the right side is 2-D.
 */
export function addInputProjection(
  g: GraphBuilder,
  x: string,
  spec: ResolvedLayerSpec,
  o: LIGraphOptions,
): string {
  const wt = addTransposedWeights(g, spec, o)
  return wt === undefined ? x : g.op('MatMul', [x, wt], {}, 'x_weighted')
}

/** Wᵀ [in, N] of a weighted layer (baked, or the `weights` input transposed); undefined for feed-forward. */
export function addTransposedWeights(
  g: GraphBuilder,
  spec: ResolvedLayerSpec,
  o: LIGraphOptions,
): string | undefined {
  if (spec.kind !== 'weighted' || !spec.weights) return undefined
  if ((o.weights ?? 'baked') === 'baked') {
    return g.floats('weights_t', transposeWeights(spec.weights.data, spec.neurons, spec.inputs), [
      spec.inputs,
      spec.neurons,
    ])
  }
  const w = g.input(PARAMETER_INPUTS.weights, [spec.neurons, spec.inputs])
  return g.op('Transpose', [w], { perm: { kind: 'ints', value: [1, 0] } }, 'weights_t')
}
