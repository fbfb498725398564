/** The contract of an exported model: everything a caller needs to run it without this package. */
import type { NeuronKind } from '@leaky/core'
import type { ParameterMode, WeightsMode } from '../li/layer-options.js'

/** Which graph: one step, the exact sequence (a Scan over time), or parallel in time (no Loop/Scan). */
export type GraphKind = 'step' | 'sequence' | 'parallel'

/** One input or output of a model. */
export interface TensorContract {
  readonly name: string
  readonly dtype: 'float32'
  /** Fixed sizes, or symbolic dimension names explained in {@link ModelContract.dims}. */
  readonly shape: readonly (number | string)[]
  readonly meaning: string
}

/** A parameter as JSON: one value for every neuron, or one per neuron. */
export type ContractParameter = number | number[]

/** What a model exported by leaky takes and returns: the contract stored in its metadata. */
export interface ModelContract {
  /** Marks the document; bump `contractVersion` on an incompatible change. */
  readonly format: 'leaky-onnx-model'
  readonly contractVersion: 1
  readonly graph: GraphKind
  /** For graph 'parallel': the formulation used. */
  readonly parallel?: 'doubling' | 'chunked'
  /** For the chunked formulation: the chunk length C. */
  readonly chunk?: number
  /** Norse's function: li_feed_forward_step ('feed-forward') or li_step ('weighted', x·Wᵀ). */
  readonly neuron: NeuronKind
  readonly neurons: number
  /** Columns of x: `neurons` for feed-forward, the weights' second axis for weighted. */
  readonly inputsPerStep: number
  readonly opset: number
  readonly irVersion: number
  readonly producer: string
  /** Every graph input, in the graph's order. */
  readonly inputs: readonly TensorContract[]
  /** Every graph output, in the graph's order. */
  readonly outputs: readonly TensorContract[]
  /** What each symbolic dimension name means. */
  readonly dims: Readonly<Record<string, string>>
  /** Number of batch dimensions between time and neurons (each symbolic: batch0, batch1, …). */
  readonly batchRank: number
  /** Time steps fixed in the graph, or 'T' (symbolic). Absent for the step graph. */
  readonly steps?: number | 'T'
  /** For a parallel graph with a symbolic T: the longest sequence it computes correctly. */
  readonly maxSteps?: number
  /** 'baked': the values below are in the graph. 'inputs': feed tau_syn_inv, tau_mem_inv, v_leak. */
  readonly parameters: ParameterMode
  /**
   * The layer's parameters (Norse's LIParameters, camelCase). Baked into the graph with
   * parameters 'baked'; with 'inputs' they are what the spec held, the values to feed.
   */
  readonly params: {
    readonly tauSynInv: ContractParameter
    readonly tauMemInv: ContractParameter
    readonly vLeak: ContractParameter
  }
  /** Integration step, always baked (a = float32(dt)·tauMemInv, b = float32(dt)·tauSynInv). */
  readonly dt: number
  /** 'none' for feed-forward; 'baked' (in the graph) or 'input' (feed `weights` [N, in]) for weighted. */
  readonly weights: WeightsMode | 'none'
  /** Norse's default initial state, to feed when starting from rest. */
  readonly initialState: { readonly v: 'vLeak'; readonly i: 0; readonly note: string }
  /** Error bound vs Norse (golden metric: max |Δ| / max(1, max |norse|)). */
  readonly tolerance: number
  readonly notes: readonly string[]
}
