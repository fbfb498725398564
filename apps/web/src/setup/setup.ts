import { BIO_DEFAULTS, DEFAULT_DT, NORSE_DEFAULTS } from '@leaky/core'

/** What the input designer can make; every kind is deterministic given the seed. */
export const INPUT_KINDS = ['constant', 'step', 'poisson', 'noise'] as const
export type InputKind = (typeof INPUT_KINDS)[number]

/** The time unit the parameters are in: Norse's defaults are in seconds, bio_default() in ms. */
export const TIME_UNITS = ['s', 'ms'] as const
export type TimeUnit = (typeof TIME_UNITS)[number]

export interface InputDesign {
  readonly kind: InputKind
  /** Current of constant and step input; the size of one spike for Poisson input. */
  readonly amplitude: number
  /** First step at which the step input is on. */
  readonly onset: number
  /** Poisson rate in spikes per time unit (Hz when dt is in seconds); p = rate·dt per step. */
  readonly rate: number
  /** Gaussian noise: mean and standard deviation of the current. */
  readonly mean: number
  readonly sigma: number
  readonly seed: number
}

/** Everything a simulation depends on: the URL holds exactly this. */
export interface Setup {
  readonly tauSynInv: number
  readonly tauMemInv: number
  readonly vLeak: number
  readonly dt: number
  /** The unit dt and 1/tau are in: labels only, the numbers are never converted. */
  readonly unit: TimeUnit
  readonly neurons: number
  readonly steps: number
  readonly input: InputDesign
  /** Neuron indices whose v(t) and i(t) are plotted. */
  readonly plot: readonly number[]
  readonly backend: string
}

export type NeuronParameters = Pick<Setup, 'tauSynInv' | 'tauMemInv' | 'vLeak' | 'dt' | 'unit'>

/**
 * Norse's two parameter sets. bio_default() is in ms, so its dt is in ms too: 0.1 ms keeps
 * dt·tauInv well inside forward Euler's stable range, as Norse's dt = 1 ms does for the defaults.
 */
export const PRESETS = {
  norse: { ...scalars(NORSE_DEFAULTS), dt: DEFAULT_DT, unit: 's' },
  bio: { ...scalars(BIO_DEFAULTS), dt: 0.1, unit: 'ms' },
} as const satisfies Record<string, NeuronParameters>
export type PresetName = keyof typeof PRESETS

function scalars(p: typeof NORSE_DEFAULTS): Pick<Setup, 'tauSynInv' | 'tauMemInv' | 'vLeak'> {
  return { tauSynInv: Number(p.tauSynInv), tauMemInv: Number(p.tauMemInv), vLeak: Number(p.vLeak) }
}

/** Sizes the explorer accepts: the js backend runs on the page's thread, so keep a run well under a second. */
export const LIMITS = {
  neurons: { min: 1, max: 4096 },
  steps: { min: 1, max: 10_000 },
  /** N·T: the input, v and i are each this many float32 values. */
  cells: 2_000_000,
  /** Most neurons plotted at once: one colour each that stays distinguishable. */
  plotted: 8,
} as const

export const DEFAULT_SETUP: Setup = {
  ...PRESETS.norse,
  neurons: 32,
  steps: 300,
  input: { kind: 'poisson', amplitude: 1, onset: 50, rate: 80, mean: 0, sigma: 1, seed: 1 },
  plot: [0, 1, 2],
  backend: 'js',
}

/** Which of the given presets the parameters match exactly, if any. */
export function matchingPreset(p: NeuronParameters): PresetName | undefined {
  return (Object.keys(PRESETS) as PresetName[]).find((name) => {
    const q = PRESETS[name]
    return (
      q.tauSynInv === p.tauSynInv &&
      q.tauMemInv === p.tauMemInv &&
      q.vLeak === p.vLeak &&
      q.dt === p.dt &&
      q.unit === p.unit
    )
  })
}

/** The fields a problem can be about: each field of the form names itself with one of these. */
export type FieldName =
  | 'tauSynInv'
  | 'tauMemInv'
  | 'vLeak'
  | 'dt'
  | 'neurons'
  | 'steps'
  | 'plot'
  | 'amplitude'
  | 'onset'
  | 'rate'
  | 'mean'
  | 'sigma'
  | 'seed'

/** What is wrong with a setup, field by field; a setup with none can be simulated as it is. */
export interface Problem {
  readonly field: FieldName
  readonly message: string
}

const isInt = Number.isInteger
const fmt = (n: number) => n.toLocaleString('en-US')

/** Every rule a setup must keep; the form shows each next to its field and applies nothing that breaks one. */
export function setupProblems(s: Setup): Problem[] {
  const problems: Problem[] = []
  const need = (ok: boolean, field: FieldName, message: string) => {
    if (!ok) problems.push({ field, message })
  }
  for (const field of ['tauSynInv', 'tauMemInv', 'vLeak'] as const)
    need(Number.isFinite(s[field]), field, `${field} must be a finite number`)
  need(Number.isFinite(s.dt) && s.dt > 0, 'dt', 'dt must be a number > 0')
  const { neurons: N, steps: T } = s
  const okN = isInt(N) && N >= LIMITS.neurons.min && N <= LIMITS.neurons.max
  const okT = isInt(T) && T >= LIMITS.steps.min && T <= LIMITS.steps.max
  need(okN, 'neurons', `N must be a whole number from ${LIMITS.neurons.min} to ${fmt(LIMITS.neurons.max)}`)
  need(okT, 'steps', `T must be a whole number from ${LIMITS.steps.min} to ${fmt(LIMITS.steps.max)}`)
  if (okN && okT && N * T > LIMITS.cells) {
    const message = `N·T = ${fmt(N * T)} is over 2·10⁶: with N = ${N}, T ≤ ${fmt(Math.floor(LIMITS.cells / N))}; with T = ${T}, N ≤ ${fmt(Math.floor(LIMITS.cells / T))}`
    problems.push({ field: 'neurons', message }, { field: 'steps', message })
  }
  const plot = s.plot
  need(plot.length > 0, 'plot', 'plot at least one neuron')
  need(plot.length <= LIMITS.plotted, 'plot', `plot at most ${LIMITS.plotted} neurons`)
  need(new Set(plot).size === plot.length, 'plot', 'each plotted neuron once')
  const outside = plot.filter((n) => !isInt(n) || n < 0 || (okN && n >= N))
  if (outside.length > 0) {
    const message = `neuron ${outside.join(', ')} is not in the layer (indices 0 to ${okN ? N - 1 : 'N − 1'})`
    problems.push({ field: 'plot', message })
    // The change that made them so may have been to N: say so there too, so N's field explains itself.
    if (okN) problems.push({ field: 'neurons', message: `${message}: change Plot neurons first` })
  }
  const x = s.input
  need(Number.isFinite(x.amplitude), 'amplitude', 'amplitude must be a finite number')
  need(isInt(x.onset) && x.onset >= 0, 'onset', 'onset must be a whole number ≥ 0')
  need(Number.isFinite(x.rate) && x.rate >= 0, 'rate', 'rate must be a number ≥ 0')
  need(Number.isFinite(x.mean), 'mean', 'mean must be a finite number')
  need(Number.isFinite(x.sigma) && x.sigma >= 0, 'sigma', 'standard deviation must be ≥ 0')
  need(isInt(x.seed), 'seed', 'seed must be a whole number')
  return problems
}
