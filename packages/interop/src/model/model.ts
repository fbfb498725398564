import {
  type LayerSpec,
  type LIParameters,
  resolveSpec,
  simulate,
  type Tensor,
  UnsupportedError,
} from '@leaky/core'
import { simulateBox } from './box.js'
import { project } from './project.js'

/**
 * A leaky model: a chain of layers, each an optional weight matrix (with an optional bias) feeding a
 * population of leaky integrators. What a NIR graph of Input → (Affine|Linear)? → CubaLI|LI → … →
 * Output maps onto.
 */
export interface LeakyModel {
  /** Columns of the input [T, ...batch, inputs]. */
  readonly inputs: number
  /** The integration step every layer runs with (seconds when the taus are seconds, as in NIR). */
  readonly dt: number
  readonly layers: readonly ModelLayer[]
}

/**
 * - 'li': Norse's leaky integrator (NIR CubaLI): a current that jumps by the input and decays with
 *   tauSynInv, driving the voltage (core's math).
 * - 'li-box': NIR LI, Norse's LIBoxCell: no current state, the input drives the voltage directly:
 *   v += dt·tauMemInv·((vLeak − v) + x). tauSynInv is not used.
 */
export type NeuronModel = 'li' | 'li-box'

/** One layer of a model: its spec, the weights into it, and an optional bias. */
export interface ModelLayer {
  /** The NIR name of the neuron node (kept for error messages and round trips). */
  readonly name: string
  readonly neuron: NeuronModel
  readonly neurons: number
  /** [neurons, inputs], applied as x·Wᵀ; absent: the input feeds the neurons one to one. */
  readonly weights?: Tensor
  /** [neurons], added to x·Wᵀ at every step (NIR Affine bias); absent when zero. */
  readonly bias?: Float32Array
  /** For 'li-box', tauSynInv is unused (NIR LI has no current; the reader puts Norse's default there). */
  readonly params: LIParameters
}

/** A 'li' layer without a bias as a core LayerSpec, to run on any backend. */
export function toLayerSpec(model: LeakyModel, index: number): LayerSpec {
  const layer = model.layers[index]
  if (!layer) throw new UnsupportedError(`the model has no layer ${index}`)
  if (layer.neuron !== 'li' || layer.bias) {
    throw new UnsupportedError(
      `layer ${layer.name} (${layer.neuron}${layer.bias ? ', with a bias' : ''}) is not a core LayerSpec: run it with runModel`,
    )
  }
  return {
    neurons: layer.neurons,
    params: layer.params,
    dt: model.dt,
    ...(layer.weights ? { weights: layer.weights } : {}),
  }
}

/**
 * Runs the whole model on the pure-TS math, float32, time-first [T, ...batch, inputs] → the last
 * layer's voltages [T, ...batch, neurons]. Every layer starts from Norse's default state.
 */
export function runModel(model: LeakyModel, xs: Tensor): Tensor {
  let x = xs
  for (const layer of model.layers) {
    if (layer.neuron === 'li' && !layer.bias) {
      x = simulate(resolveSpec(toLayerSpec(model, model.layers.indexOf(layer))), x).voltages
      continue
    }
    const currents = layer.weights ? project(x, layer.weights, layer.bias) : x
    x =
      layer.neuron === 'li'
        ? simulate(resolveSpec({ neurons: layer.neurons, params: layer.params, dt: model.dt }), currents)
            .voltages
        : simulateBox(resolveSpec({ neurons: layer.neurons, params: layer.params, dt: model.dt }), currents)
  }
  return x
}
