/**
 * The float32 coefficients of a graph, exactly as Norse computes them: a = f32(dt)·tauMemInv,
 * b = f32(dt)·tauSynInv (core's spec.coefficients), and vLeak. Baked as initializers, or computed
 * from graph inputs with one float32 Mul each, which rounds like Norse's dt·tauInv.
 */
import type { ResolvedLayerSpec } from '@leaky/core'
import type { GraphBuilder } from '../graph/graph-builder.js'
import { PARAMETER_INPUTS, type ParameterMode } from './layer-options.js'

/** Names of the coefficient values inside a graph. */
export interface CoefficientValues {
  /** dt·tauMemInv: [] or [N] */
  readonly a: string
  /** dt·tauSynInv: [] or [N] */
  readonly b: string
  readonly vLeak: string
}

/** True when every neuron has the same a, b and vLeak (scalar parameters, or equal per-neuron ones). */
export function isUniform(spec: ResolvedLayerSpec): boolean {
  const { a, b, vLeak } = spec.coefficients
  if (spec.coefficients.scalar) return true
  return [a, b, vLeak].every((xs) => xs.every((x) => x === xs[0]))
}

/** The single a, b, vLeak of a uniform layer. */
export function uniformCoefficients(spec: ResolvedLayerSpec): { a: number; b: number; vLeak: number } {
  const { a, b, vLeak } = spec.coefficients
  return { a: a[0] as number, b: b[0] as number, vLeak: vLeak[0] as number }
}

export function addCoefficients(
  g: GraphBuilder,
  spec: ResolvedLayerSpec,
  mode: ParameterMode,
): CoefficientValues {
  if (mode === 'baked') {
    const { a, b, vLeak } = spec.coefficients
    if (isUniform(spec)) {
      const u = uniformCoefficients(spec)
      return { a: g.scalar('a', u.a), b: g.scalar('b', u.b), vLeak: g.scalar('v_leak_value', u.vLeak) }
    }
    return { a: g.floats('a', a), b: g.floats('b', b), vLeak: g.floats('v_leak_value', vLeak) }
  }
  const N = spec.neurons
  const dt32 = g.scalar('dt', Math.fround(spec.dt))
  const tauSyn = g.input(PARAMETER_INPUTS.tauSynInv, [N])
  const tauMem = g.input(PARAMETER_INPUTS.tauMemInv, [N])
  const vLeak = g.input(PARAMETER_INPUTS.vLeak, [N])
  return { a: g.op('Mul', [dt32, tauMem], {}, 'a'), b: g.op('Mul', [dt32, tauSyn], {}, 'b'), vLeak }
}
