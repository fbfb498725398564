import { clampSetup, DEFAULT_SETUP, INPUT_KINDS, type InputKind, type Setup } from './setup.js'

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

/** Reads a query string; anything missing or malformed falls back to the default of that field. */
export function setupFromQuery(search: string): Setup {
  const q = new URLSearchParams(search)
  const d = DEFAULT_SETUP
  const num = (key: string, fallback: number, ok: (x: number) => boolean = () => true) => {
    const raw = q.get(key)
    const x = raw === null || raw.trim() === '' ? Number.NaN : Number(raw)
    return Number.isFinite(x) && ok(x) ? x : fallback
  }
  const kind = q.get('input')
  const plot = q.get('plot')
  return clampSetup({
    tauSynInv: num('tauSynInv', d.tauSynInv),
    tauMemInv: num('tauMemInv', d.tauMemInv),
    vLeak: num('vLeak', d.vLeak),
    dt: num('dt', d.dt, (x) => x > 0),
    neurons: num('N', d.neurons),
    steps: num('T', d.steps),
    input: {
      kind: INPUT_KINDS.includes(kind as InputKind) ? (kind as InputKind) : d.input.kind,
      amplitude: num('amp', d.input.amplitude),
      onset: num('onset', d.input.onset, Number.isInteger),
      rate: num('rate', d.input.rate, (x) => x >= 0),
      mean: num('mean', d.input.mean),
      sigma: num('sigma', d.input.sigma, (x) => x >= 0),
      seed: num('seed', d.input.seed, Number.isInteger),
    },
    plot: plot === null ? d.plot : parseNeuronList(plot),
    backend: q.get('backend') || d.backend,
  })
}

/** "0, 3,7" → [0, 3, 7]; anything that is not a non-negative integer is dropped. */
export function parseNeuronList(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter((part) => /^\d+$/.test(part))
    .map(Number)
}
