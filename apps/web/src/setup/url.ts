import {
  DEFAULT_SETUP,
  INPUT_KINDS,
  type InputKind,
  LIMITS,
  type Setup,
  setupProblems,
  TIME_UNITS,
  type TimeUnit,
} from './setup.js'

/**
 * The whole setup as a query string, so a link restores exactly what was on the screen. Every field
 * is written (not only changed ones): a shared link must not change meaning when a default does.
 */
export function setupToQuery(s: Setup): string {
  const q = new URLSearchParams()
  q.set('tauSynInv', String(s.tauSynInv))
  q.set('tauMemInv', String(s.tauMemInv))
  q.set('vLeak', String(s.vLeak))
  q.set('dt', String(s.dt))
  q.set('unit', s.unit)
  q.set('N', String(s.neurons))
  q.set('T', String(s.steps))
  q.set('input', s.input.kind)
  q.set('amp', String(s.input.amplitude))
  q.set('onset', String(s.input.onset))
  q.set('rate', String(s.input.rate))
  q.set('mean', String(s.input.mean))
  q.set('sigma', String(s.input.sigma))
  q.set('seed', String(s.input.seed))
  q.set('plot', s.plot.join(','))
  q.set('backend', s.backend)
  return q.toString()
}

const inRange = (lo: number, hi: number) => (x: number) => Number.isInteger(x) && x >= lo && x <= hi

/**
 * Reads a query string. Anything missing or malformed falls back to DEFAULT_SETUP's value of that
 * field — never to a nearby value (N = 99999 gives the default N, not 4096):
 * - a number that does not parse, or breaks its field's own rule (dt ≤ 0, N outside 1–4096, …);
 * - T when N·T is over the limit (and N too, if that is still over);
 * - the plot list when any entry is not a neuron of the layer (the default list, cut to the layer).
 * The backend is kept as written: the page says so when it cannot run it.
 */
export function setupFromQuery(search: string): Setup {
  const q = new URLSearchParams(search)
  const d = DEFAULT_SETUP
  const num = (key: string, fallback: number, ok: (x: number) => boolean = Number.isFinite) => {
    const raw = q.get(key)
    const x = raw === null || raw.trim() === '' ? Number.NaN : Number(raw)
    return Number.isFinite(x) && ok(x) ? x : fallback
  }
  const kind = q.get('input')
  const unit = q.get('unit')
  const plotText = q.get('plot')
  let s: Setup = {
    tauSynInv: num('tauSynInv', d.tauSynInv),
    tauMemInv: num('tauMemInv', d.tauMemInv),
    vLeak: num('vLeak', d.vLeak),
    dt: num('dt', d.dt, (x) => x > 0),
    unit: TIME_UNITS.includes(unit as TimeUnit) ? (unit as TimeUnit) : d.unit,
    neurons: num('N', d.neurons, inRange(LIMITS.neurons.min, LIMITS.neurons.max)),
    steps: num('T', d.steps, inRange(LIMITS.steps.min, LIMITS.steps.max)),
    input: {
      kind: INPUT_KINDS.includes(kind as InputKind) ? (kind as InputKind) : d.input.kind,
      amplitude: num('amp', d.input.amplitude),
      onset: num('onset', d.input.onset, (x) => Number.isInteger(x) && x >= 0),
      rate: num('rate', d.input.rate, (x) => x >= 0),
      mean: num('mean', d.input.mean),
      sigma: num('sigma', d.input.sigma, (x) => x >= 0),
      seed: num('seed', d.input.seed, Number.isInteger),
    },
    plot: plotText === null ? d.plot : (parseNeuronList(plotText) ?? []),
    backend: q.get('backend') || d.backend,
  }
  const tooBig = () => s.neurons * s.steps > LIMITS.cells
  if (tooBig()) s = { ...s, steps: d.steps }
  if (tooBig()) s = { ...s, neurons: d.neurons }
  if (setupProblems(s).some((p) => p.field === 'plot')) {
    const cut = d.plot.filter((n) => n < s.neurons)
    s = { ...s, plot: cut.length > 0 ? cut : [0] }
  }
  return s
}

/** "0, 3,7" → [0, 3, 7]; undefined when any entry is not a whole number ≥ 0 ("1, x" is not a list). */
export function parseNeuronList(text: string): number[] | undefined {
  const parts = text.split(/[\s,]+/).filter((part) => part !== '')
  if (!parts.every((part) => /^\d+$/.test(part))) return undefined
  return parts.map(Number)
}
