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

/** Norse's snake_case names (`LIParameters(tau_syn_inv=…)`), accepted as aliases of leaky's. */
export const NORSE_PARAMETER_NAMES: Readonly<Record<string, (typeof PARAMETER_NAMES)[number]>> =
  Object.freeze({
    tau_syn_inv: 'tauSynInv',
    tau_mem_inv: 'tauMemInv',
    v_leak: 'vLeak',
  })

/**
 * Fills in Norse's defaults and checks every parameter against the layer's neuron count. Keys are
 * leaky's names or Norse's (never both for one parameter); any other key is an error naming the
 * known ones, so a misspelling is never silently replaced by a default. Per-neuron arrays are copied:
 * what the caller does with theirs afterwards cannot reach the layer.
 */
export function resolveParameters(params: Partial<LIParameters> | undefined, neurons: number): LIParameters {
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new ParameterError(`params must be an object like { tauMemInv: 100 }, got ${describeValue(params)}`)
  }
  const given: Partial<Record<(typeof PARAMETER_NAMES)[number], unknown>> = {}
  const spelled: Partial<Record<string, string>> = {}
  for (const key of Object.keys(params ?? {})) {
    const name = (PARAMETER_NAMES as readonly string[]).includes(key)
      ? (key as (typeof PARAMETER_NAMES)[number])
      : NORSE_PARAMETER_NAMES[key]
    if (name === undefined)
      throw unknownKey('params', key, [...PARAMETER_NAMES, ...Object.keys(NORSE_PARAMETER_NAMES)])
    if (spelled[name] !== undefined) {
      throw new ParameterError(`params gives ${name} twice, as ${spelled[name]} and as ${key}: keep one`)
    }
    spelled[name] = key
    given[name] = (params as Record<string, unknown>)[key]
  }
  const merged: Record<string, ParameterValue> = { ...NORSE_DEFAULTS }
  for (const name of PARAMETER_NAMES) {
    const value = given[name] === undefined ? NORSE_DEFAULTS[name] : given[name]
    const what = spelled[name] ?? name
    if (typeof value === 'number') {
      // Computed in float32: a number beyond float32's range would be ±Inf there.
      if (!Number.isFinite(value) || !Number.isFinite(Math.fround(value)))
        throw new ParameterError(`${what} must be finite in float32 (|x| < 3.4e38), got ${value}`)
      merged[name] = value
      continue
    }
    if (!(value instanceof Float32Array)) {
      throw new ParameterError(`${what} must be a number or a Float32Array, got ${describeValue(value)}`)
    }
    if (value.length !== neurons) {
      throw new ShapeError(`${what} has ${value.length} values, the layer has ${neurons} neurons`)
    }
    const bad = value.findIndex((x) => !Number.isFinite(x))
    if (bad >= 0) throw new ParameterError(`${what}[${bad}] must be finite, got ${value[bad]}`)
    merged[name] = new Float32Array(value)
  }
  return merged as unknown as LIParameters
}

/** An unknown key: the error names every known one, and the closest when it differs only in case or `_`. */
export function unknownKey(where: string, key: string, known: readonly string[]): ParameterError {
  const fold = (k: string) => k.toLowerCase().replaceAll('_', '')
  const close = known.find((k) => fold(k) === fold(key))
  return new ParameterError(
    `${where} has an unknown key ${JSON.stringify(key)}${close ? ` (did you mean ${close}?)` : ''}; ` +
      `the known keys are ${known.join(', ')}`,
  )
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
