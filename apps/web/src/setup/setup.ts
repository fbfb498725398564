import { BIO_DEFAULTS, DEFAULT_DT, NORSE_DEFAULTS } from '@leaky/core'

/** What the input designer can make; every kind is deterministic given the seed. */
export const INPUT_KINDS = ['constant', 'step', 'poisson', 'noise'] as const
export type InputKind = (typeof INPUT_KINDS)[number]

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
  readonly neurons: number
  readonly steps: number
  readonly input: InputDesign
  /** Neuron indices whose v(t) and i(t) are plotted. */
  readonly plot: readonly number[]
  readonly backend: string
}

export type NeuronParameters = Pick<Setup, 'tauSynInv' | 'tauMemInv' | 'vLeak' | 'dt'>

/**
 * Norse's two parameter sets. bio_default() is in ms, so its dt is in ms too: 0.1 ms keeps
 * dt·tauInv well inside forward Euler's stable range, as Norse's dt = 1 ms does for the defaults.
 */
export const PRESETS = {
  norse: { ...scalars(NORSE_DEFAULTS), dt: DEFAULT_DT },
  bio: { ...scalars(BIO_DEFAULTS), dt: 0.1 },
} as const satisfies Record<string, NeuronParameters>
export type PresetName = keyof typeof PRESETS

function scalars(p: typeof NORSE_DEFAULTS): Omit<NeuronParameters, 'dt'> {
  return { tauSynInv: Number(p.tauSynInv), tauMemInv: Number(p.tauMemInv), vLeak: Number(p.vLeak) }
}

/** Sizes the explorer accepts: the js backend runs on the page's thread, so keep a run well under a second. */
export const LIMITS = {
  neurons: { min: 1, max: 4096 },
  steps: { min: 1, max: 10_000 },
  /** N·T: the input, v and i are each this many float32 values. */
  cells: 2_000_000,
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
    return q.tauSynInv === p.tauSynInv && q.tauMemInv === p.tauMemInv && q.vLeak === p.vLeak && q.dt === p.dt
  })
}

/** Keeps sizes inside LIMITS and plotted neurons inside the layer; never throws. */
export function clampSetup(s: Setup): Setup {
  const neurons = clampInt(s.neurons, LIMITS.neurons.min, LIMITS.neurons.max)
  const maxSteps = Math.max(1, Math.floor(LIMITS.cells / neurons))
  const steps = clampInt(s.steps, LIMITS.steps.min, Math.min(LIMITS.steps.max, maxSteps))
  const plot = [...new Set(s.plot.filter((n) => Number.isInteger(n) && n >= 0 && n < neurons))].slice(0, 8)
  return { ...s, neurons, steps, plot: plot.length > 0 ? plot : [0] }
}

function clampInt(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(Number.isFinite(x) ? x : lo)))
}
