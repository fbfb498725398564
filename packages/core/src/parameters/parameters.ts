import { ParameterError, ShapeError } from '../errors/errors.js'
import { describeValue } from '../tensor/tensor.js'

/** A parameter is one value for every neuron, or a Float32Array with one value per neuron. */
export type ParameterValue = number | Float32Array

/** Norse's LIParameters, in leaky's camelCase. Inverse time constants are in 1/s (or 1/ms for bio). */
export interface LIParameters {
  readonly tauSynInv: ParameterValue
  readonly tauMemInv: ParameterValue
  readonly vLeak: ParameterValue
}

/** Norse's `LIParameters()` defaults: tau_syn = 5 ms, tau_mem = 10 ms, v_leak = 0. */
export const NORSE_DEFAULTS: LIParameters = Object.freeze({
  tauSynInv: 1 / 5e-3,
  tauMemInv: 1 / 1e-2,
  vLeak: 0,
})

/** Norse's `LIParameters.bio_default()`: time in ms, v_leak = -70 mV. */
export const BIO_DEFAULTS: LIParameters = Object.freeze({ tauSynInv: 0.5, tauMemInv: 0.1, vLeak: -70 })

/** Norse's default integration step (seconds, with NORSE_DEFAULTS). */
export const DEFAULT_DT = 0.001

export const PARAMETER_NAMES = ['tauSynInv', 'tauMemInv', 'vLeak'] as const

/** Something the caller may want to know that is not an error: the numbers stay Norse's. */
export interface LeakyWarning {
  readonly code: 'euler-unstable'
  readonly message: string
}

/** Receives leaky's warnings (leaky never prints on its own). */
export type WarningHandler = (warning: LeakyWarning) => void

/**
 * The per-neuron coefficients every backend computes with, in float32 exactly as torch does:
 * a = f32(dt)·tauMemInv and b = f32(dt)·tauSynInv are each one float32 product.
 */
export interface Coefficients {
  /** dt·tauMemInv per neuron. */
  readonly a: Float32Array
  /** dt·tauSynInv per neuron. */
  readonly b: Float32Array
  readonly vLeak: Float32Array
  /** True when every parameter was given as a scalar (graphs can then use one value). */
  readonly scalar: boolean
}

/** Checks a time step (finite, > 0), or throws a ParameterError. */
export function checkDt(dt: unknown): number {
  if (typeof dt !== 'number' || !Number.isFinite(dt) || dt <= 0) {
    throw new ParameterError(
      `dt must be a finite number > 0, got ${typeof dt === 'number' ? dt : describeValue(dt)}`,
    )
  }
  if (Math.fround(dt) === 0) throw new ParameterError(`dt ${dt} rounds to 0 in float32`)
  if (!Number.isFinite(Math.fround(dt))) throw new ParameterError(`dt ${dt} overflows float32`)
  return dt
}

/** Fills in Norse's defaults and checks every parameter against the layer's neuron count. */
export function resolveParameters(params: Partial<LIParameters> | undefined, neurons: number): LIParameters {
  const merged = { ...NORSE_DEFAULTS, ...(params ?? {}) }
  for (const name of PARAMETER_NAMES) {
    const value: unknown = merged[name]
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new ParameterError(`${name} must be finite, got ${value}`)
      continue
    }
    if (!(value instanceof Float32Array)) {
      throw new ParameterError(`${name} must be a number or a Float32Array, got ${describeValue(value)}`)
    }
    if (value.length !== neurons) {
      throw new ShapeError(`${name} has ${value.length} values, the layer has ${neurons} neurons`)
    }
    const bad = value.findIndex((x) => !Number.isFinite(x))
    if (bad >= 0) throw new ParameterError(`${name}[${bad}] must be finite, got ${value[bad]}`)
  }
  return merged
}

function perNeuron(value: ParameterValue, neurons: number): Float32Array {
  return typeof value === 'number' ? new Float32Array(neurons).fill(value) : value.slice()
}

/** The per-neuron update coefficients (dt·tauInv) of a resolved spec. */
export function coefficients(p: LIParameters, dt: number, neurons: number): Coefficients {
  const dt32 = Math.fround(dt)
  const tauMem = perNeuron(p.tauMemInv, neurons)
  const tauSyn = perNeuron(p.tauSynInv, neurons)
  const a = new Float32Array(neurons)
  const b = new Float32Array(neurons)
  for (let n = 0; n < neurons; n++) {
    a[n] = dt32 * (tauMem[n] as number)
    b[n] = dt32 * (tauSyn[n] as number)
  }
  for (const [name, values] of [
    ['tauMemInv', a],
    ['tauSynInv', b],
  ] as const) {
    const bad = values.findIndex((x) => !Number.isFinite(x))
    if (bad >= 0)
      throw new ParameterError(`dt·${name} overflows float32 (dt = ${dt}, neuron ${bad}); use a smaller dt`)
  }
  const scalar = PARAMETER_NAMES.every((name) => typeof p[name] === 'number')
  return { a, b, vLeak: perNeuron(p.vLeak, neurons), scalar }
}

/** Forward Euler is unstable when dt·tauInv > 2. Norse computes it anyway; so do we, and say so. */
export function stabilityWarnings(c: Coefficients): LeakyWarning[] {
  const warnings: LeakyWarning[] = []
  const worst = (xs: Float32Array) => xs.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY)
  const mem = worst(c.a)
  const syn = worst(c.b)
  if (mem > 2) {
    warnings.push({
      code: 'euler-unstable',
      message: `dt·tauMemInv = ${mem} > 2: forward Euler diverges (the voltages will grow); Norse computes it the same way`,
    })
  }
  if (syn > 2) {
    warnings.push({
      code: 'euler-unstable',
      message: `dt·tauSynInv = ${syn} > 2: forward Euler diverges (the current will grow); Norse computes it the same way`,
    })
  }
  return warnings
}
