import { NonFiniteError, ParameterError, ShapeError } from '../errors/errors.js'
import {
  type Coefficients,
  checkDt,
  coefficients,
  DEFAULT_DT,
  type LeakyWarning,
  type LIParameters,
  resolveParameters,
  stabilityWarnings,
  unknownKey,
  type WarningHandler,
} from '../parameters/parameters.js'
import {
  assertTensor,
  cloneTensor,
  formatShape,
  type Shape,
  sameShape,
  type Tensor,
} from '../tensor/tensor.js'
import { checkCapacity } from './capacity.js'

/** The keys a LayerSpec may have; any other is an error (a misspelled key would otherwise do nothing). */
export const SPEC_KEYS = ['neurons', 'weights', 'params', 'dt', 'onWarning', 'checkFinite'] as const

/** Norse's state of a leaky integrator: voltage and current, each [...batch, neurons]. */
export interface LIState {
  readonly v: Tensor
  readonly i: Tensor
}

/** What a layer is: the same description for every backend. */
export interface LayerSpec {
  /** Neurons in the layer: the last axis of the state and of the output. */
  readonly neurons: number
  /**
   * Input weights [neurons, inputs], applied as x·Wᵀ (Norse `li_step`). Without them the layer is
   * Norse's feed-forward LI (`li_feed_forward_step`) and its input has `neurons` columns.
   */
  readonly weights?: Tensor
  /** Defaults to Norse's LIParameters(); any field may be a per-neuron Float32Array [neurons]. */
  readonly params?: Partial<LIParameters>
  /** Integration step; defaults to Norse's 0.001. */
  readonly dt?: number
  /** Receives warnings (dt·tauInv > 2). Leaky never prints; without a handler warnings are dropped. */
  readonly onWarning?: WarningHandler
  /**
   * Reject weights, inputs and states that hold NaN or ±Inf with a NonFiniteError. Off by default:
   * NaN and ±Inf propagate, as in Norse.
   */
  readonly checkFinite?: boolean
}

/** Which Norse function a layer is: `li_feed_forward_step` or `li_step` (with weights). */
export type NeuronKind = 'feed-forward' | 'weighted'

/** A LayerSpec with every default filled in and every value checked. */
export interface ResolvedLayerSpec {
  readonly kind: NeuronKind
  readonly neurons: number
  /** Columns of the input: `neurons` for feed-forward, the weights' second axis for weighted. */
  readonly inputs: number
  /** A private copy of the caller's weights [neurons, inputs]. */
  readonly weights: Tensor | undefined
  readonly params: LIParameters
  readonly dt: number
  readonly coefficients: Coefficients
  readonly checkFinite: boolean
  readonly warnings: readonly LeakyWarning[]
}

/** Checks a neuron count (a positive integer), or throws a ParameterError. */
export function checkNeurons(neurons: unknown, what = 'neurons'): number {
  if (typeof neurons !== 'number' || !Number.isInteger(neurons) || neurons <= 0) {
    throw new ParameterError(`${what} must be an integer > 0, got ${String(neurons)}`)
  }
  return neurons
}

/** Checks a spec once, when the layer is made, and reports its warnings through the caller's channel. */
export function resolveSpec(spec: LayerSpec): ResolvedLayerSpec {
  if (typeof spec !== 'object' || spec === null) throw new ParameterError('a layer spec must be an object')
  for (const key of Object.keys(spec)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) throw unknownKey('the layer spec', key, SPEC_KEYS)
  }
  const neurons = checkNeurons(spec.neurons)
  const dt = checkDt(spec.dt ?? DEFAULT_DT)
  if (spec.checkFinite !== undefined && typeof spec.checkFinite !== 'boolean') {
    throw new ParameterError(`checkFinite must be true or false, got ${String(spec.checkFinite)}`)
  }
  if (spec.onWarning !== undefined && typeof spec.onWarning !== 'function') {
    throw new ParameterError('onWarning must be a function')
  }
  let inputs = neurons
  if (spec.weights !== undefined) {
    assertTensor(spec.weights, 'weights')
    const [rows, cols] = spec.weights.shape
    if (spec.weights.shape.length !== 2 || rows !== neurons || cols === undefined || cols <= 0) {
      throw new ShapeError(
        `weights must be [neurons, inputs] = [${neurons}, M] with M > 0, got ${formatShape(spec.weights.shape)}`,
      )
    }
    inputs = cols
  }
  // Before anything is allocated: the per-neuron coefficients (five arrays of N while they are
  // made), the copy of the weights, and one step's state and output (a layer that cannot hold them
  // is of no use).
  checkCapacity(
    `a layer of ${neurons} neurons${spec.weights ? ` × ${inputs} inputs` : ''}`,
    [...Array<number>(8).fill(neurons), spec.weights ? neurons * inputs : 0],
    'use fewer neurons (or split the layer)',
  )
  if (spec.weights && spec.checkFinite) checkFiniteValues(spec.weights, 'weights')
  const params = resolveParameters(spec.params, neurons)
  const weights = spec.weights ? cloneTensor(spec.weights) : undefined
  const c = coefficients(params, dt, neurons)
  const warnings = stabilityWarnings(c)
  for (const w of warnings) spec.onWarning?.(w)
  return {
    kind: weights ? 'weighted' : 'feed-forward',
    neurons,
    inputs,
    weights,
    params,
    dt,
    coefficients: c,
    checkFinite: spec.checkFinite ?? false,
    warnings,
  }
}

/** The sequence [T, ...batch, inputs]: returns T and the batch dims. */
export function checkSequence(spec: ResolvedLayerSpec, xs: unknown): { steps: number; batch: Shape } {
  assertTensor(xs, 'input')
  const { shape } = xs
  if (shape.length < 2 || shape[shape.length - 1] !== spec.inputs) {
    throw new ShapeError(`input must be time-first [T, ...batch, ${spec.inputs}], got ${formatShape(shape)}`)
  }
  if (spec.checkFinite) checkFiniteValues(xs, 'input')
  return { steps: shape[0] as number, batch: shape.slice(1, -1) }
}

/** One step's input [...batch, inputs]: returns the batch dims. */
export function checkStepInput(spec: ResolvedLayerSpec, x: unknown): Shape {
  assertTensor(x, 'input')
  const { shape } = x
  if (shape.length < 1 || shape[shape.length - 1] !== spec.inputs) {
    throw new ShapeError(`a step's input must be [...batch, ${spec.inputs}], got ${formatShape(shape)}`)
  }
  if (spec.checkFinite) checkFiniteValues(x, 'input')
  return shape.slice(0, -1)
}

/** The shape of the state for an input of this shape: its batch dims and N. */
export function stateShape(spec: ResolvedLayerSpec, batch: Shape): Shape {
  // No spread for the common unbatched step (it is on every step's path).
  return batch.length === 0 ? [spec.neurons] : [...batch, spec.neurons]
}

/** A caller's state must be exactly [...batch, neurons]: leaky never broadcasts or reshapes it. */
export function checkState(spec: ResolvedLayerSpec, state: unknown, batch: Shape): asserts state is LIState {
  if (typeof state !== 'object' || state === null || !('v' in state) || !('i' in state)) {
    throw new ShapeError('state must be { v, i } (an LIState) or a state handle from layer.step')
  }
  const s = state as LIState
  const expected = stateShape(spec, batch)
  for (const key of ['v', 'i'] as const) {
    assertTensor(s[key], `state.${key}`)
    if (!sameShape(s[key].shape, expected)) {
      throw new ShapeError(
        `state.${key} must be ${formatShape(expected)} for this input, got ${formatShape(s[key].shape)}`,
      )
    }
  }
  if (spec.checkFinite) {
    checkFiniteValues(s.v, 'state.v')
    checkFiniteValues(s.i, 'state.i')
  }
}

function checkFiniteValues(t: Tensor, what: string): void {
  const bad = t.data.findIndex((x) => !Number.isFinite(x))
  if (bad >= 0)
    throw new NonFiniteError(`${what} holds ${t.data[bad]} at flat index ${bad} (checkFinite is on)`)
}
