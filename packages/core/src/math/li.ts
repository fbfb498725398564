import { DTypeError, ShapeError } from '../errors/errors.js'
import { checkCapacity } from '../layer/capacity.js'
import {
  checkSequence,
  checkState,
  checkStepInput,
  type LayerSpec,
  type LIState,
  type ResolvedLayerSpec,
  resolveSpec,
  stateShape,
} from '../layer/spec.js'
import { DEFAULT_DT, type LIParameters, NORSE_DEFAULTS } from '../parameters/parameters.js'
import { assertTensor, describeValue, type Shape, sizeOf, type Tensor } from '../tensor/tensor.js'
import { integrate, project } from './integrate.js'
import { takeFloats } from './slab.js'

/** Options of a run: where to write the output, and whether to check for non-finite input. */
export interface RunOptions {
  /** Also return i after every step (Norse `record_states`); v after every step is `voltages`. */
  readonly recordStates?: boolean
  /**
   * Write the voltages into this array (T·batch·neurons long) instead of a new one: a service that
   * runs many sequences reuses one buffer and skips allocating (and page-faulting) each output.
   */
  readonly output?: Float32Array
}

/** What a run returns: the voltage at every step and the final state. */
export interface RunResult {
  /** v after every step, [T, ...batch, neurons]. */
  readonly voltages: Tensor
  /** The state after the last step. */
  readonly state: LIState
  /** With `recordStates`: every state, each [T, ...batch, neurons]. */
  readonly states?: { readonly v: Tensor; readonly i: Tensor }
}

/** Norse's default initial state of an LI layer: v = vLeak, i = 0, over the batch dims given. */
export function initialState(spec: ResolvedLayerSpec, batch: Shape): LIState {
  const shape = stateShape(spec, batch)
  const v = new Float32Array(sizeOf(shape))
  const { vLeak } = spec.coefficients
  const N = spec.neurons
  // Row by row (a per-element modulo took 3 ms at 1e6 neurons, a twentieth of a run's kernel).
  if (N > 0) for (let at = 0; at < v.length; at += N) v.set(vLeak, at)
  return { v: { data: v, shape }, i: { data: new Float32Array(v.length), shape } }
}

/**
 * Runs a layer over a whole time-first sequence (Norse `LI` / `LILinearCell` over time). Checks
 * everything first and never mutates its arguments.
 */
export function simulate(
  spec: ResolvedLayerSpec,
  xs: Tensor,
  state?: LIState,
  options: RunOptions = {},
): RunResult {
  const { steps, batch } = checkSequence(spec, xs)
  if (state !== undefined) checkState(spec, state, batch)
  checkOutput(spec, steps, batch, options, xs)
  const outputs = steps * sizeOf(stateShape(spec, batch))
  checkCapacity('simulate', [options.output ? 0 : outputs, options.recordStates ? outputs : 0])
  return simulateChecked(spec, xs, steps, batch, state ?? initialState(spec, batch), options)
}

/** The caller's output buffer must be a Float32Array of exactly T·batch·neurons, not aliasing the input. */
export function checkOutput(
  spec: ResolvedLayerSpec,
  steps: number,
  batch: Shape,
  options: RunOptions,
  input?: Tensor,
): void {
  const { output } = options
  if (output === undefined) return
  if (!(output instanceof Float32Array))
    throw new DTypeError(`output must be a Float32Array, got ${describeValue(output)}`)
  const expected = steps * sizeOf(stateShape(spec, batch))
  if (output.length !== expected) {
    throw new ShapeError(`output must hold T·batch·neurons = ${expected} values, it has ${output.length}`)
  }
  // Two views of one buffer may be disjoint (tensors an engine lends out of its memory): only an
  // overlap is an error.
  if (input && output.buffer === input.data.buffer) {
    const [o, x] = [output, input.data]
    if (o.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < o.byteOffset + o.byteLength)
      throw new ShapeError('output must not share memory with the input')
  }
}

/** `simulate` after the checks: for backends that validated the call themselves. */
export function simulateChecked(
  spec: ResolvedLayerSpec,
  xs: Tensor,
  steps: number,
  batch: Shape,
  state: LIState,
  options: RunOptions,
): RunResult {
  const shape = stateShape(spec, batch)
  const rows = sizeOf(batch)
  const outShape = [steps, ...shape]
  const out = options.output ?? new Float32Array(sizeOf(outShape))
  let currents = xs.data
  if (spec.weights) {
    // The projection goes straight into the output buffer; integrate() then overwrites it in place.
    project(xs.data, steps * rows, spec.inputs, spec.weights.data, spec.neurons, out)
    currents = out
  }
  const v = state.v.data.slice()
  const i = state.i.data.slice()
  const recordI = options.recordStates ? new Float32Array(out.length) : undefined
  integrate(spec.coefficients, currents, steps, rows, v, i, out, recordI)
  const voltages = { data: out, shape: outShape }
  return {
    voltages,
    state: { v: { data: v, shape }, i: { data: i, shape } },
    ...(recordI ? { states: { v: voltages, i: { data: recordI, shape: outShape } } } : {}),
  }
}

/**
 * One step from a checked state, as cheaply as a step can be: one slab cut (./slab.ts) holds the
 * new state [v | i]; integrate() writes v in place. Per-call allocations, not arithmetic, dominate a
 * step of a small layer. The result shares its slab with other states: it is for a layer's resident
 * state (which callers see only through copies), never to be handed to a caller as it is.
 */
export function advance(spec: ResolvedLayerSpec, x: Tensor, batch: Shape, from: LIState): LIState {
  const shape = stateShape(spec, batch)
  const size = from.v.data.length
  const buffer = takeFloats(2 * size)
  const v = buffer.subarray(0, size)
  const i = buffer.subarray(size)
  v.set(from.v.data)
  i.set(from.i.data)
  let currents = x.data
  if (spec.weights) {
    currents = takeFloats(size)
    project(x.data, size / spec.neurons, spec.inputs, spec.weights.data, spec.neurons, currents)
  }
  integrate(spec.coefficients, currents, 1, size / spec.neurons, v, i, v)
  return { v: { data: v, shape }, i: { data: i, shape } }
}

/** What one step returns: the new voltage and the new state. */
export interface StepResult {
  readonly v: Tensor
  readonly state: LIState
}

function oneStep(spec: ResolvedLayerSpec, x: Tensor, state: LIState): StepResult {
  const batch = checkStepInput(spec, x)
  checkState(spec, state, batch)
  const next = advance(spec, x, batch, state)
  // advance() cuts its state from a slab shared by every step: what is returned to the caller owns its
  // memory. As in Norse, the returned v is the new state's v (one tensor).
  const v = { data: new Float32Array(next.v.data), shape: next.v.shape }
  return { v, state: { v, i: { data: new Float32Array(next.i.data), shape: next.i.shape } } }
}

/** Norse `li_feed_forward_step`: one Euler step with input current x [...batch, N]. */
export function liFeedForwardStep(
  x: Tensor,
  state: LIState,
  p: Partial<LIParameters> = NORSE_DEFAULTS,
  dt: number = DEFAULT_DT,
): StepResult {
  assertTensor(x, 'input')
  const neurons = x.shape[x.shape.length - 1] ?? 0
  return oneStep(resolveSpec({ neurons, params: p, dt }), x, state)
}

/** Norse `li_step`: one Euler step with input x [...batch, inputs] through weights [N, inputs] (x·Wᵀ). */
export function liStep(
  x: Tensor,
  state: LIState,
  weights: Tensor,
  p: Partial<LIParameters> = NORSE_DEFAULTS,
  dt: number = DEFAULT_DT,
): StepResult {
  assertTensor(weights, 'weights')
  const neurons = weights.shape[0] ?? 0
  return oneStep(resolveSpec({ neurons, weights, params: p, dt }), x, state)
}

export type { LayerSpec }
