/** The bench report: its JSON shape, and the Markdown table and SVG chart written beside it. */

import type { Workload } from '@leaky/bench'

export interface BenchMachine {
  readonly host: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGB: number
  readonly platform: string
  readonly node: string
  readonly date: string
}

/** A workload as it ran: the anchor workload's shape (possibly shrunk by --quick), and how. */
export type BenchWorkloadInfo = Pick<
  Workload,
  'name' | 'description' | 'mode' | 'steps' | 'batch' | 'inputs' | 'neurons'
> & {
  /** How --quick shrank it, or null at full size. */
  readonly scaled: string | null
}

export interface CLimitRow {
  readonly workload: string
  /** The best C reference's figure; null when there is no meaningful C limit (note says why). */
  readonly neuronStepsPerSecond: number | null
  /** Which C reference was best (li_roofline, li_time_blocked, li_memcpy). */
  readonly best: string | null
  readonly references: readonly {
    readonly name: string
    readonly neuronStepsPerSecond: number
    readonly threads: number
  }[]
  readonly note: string
}

export interface ResultRow {
  readonly workload: string
  readonly backend: string
  /** Output within the backend's tolerance of the js backend's (relative error). */
  readonly correct: boolean
  readonly error: number
  /** null when the backend was wrong (a wrong answer has no speed) or failed. */
  readonly neuronStepsPerSecond: number | null
  /** To the best C reference measured in the same run. */
  readonly ratioToCLimit: number | null
  /** Per run() call over the workload, or per step() for step latency. */
  readonly secondsMedian: number | null
  readonly secondsMin: number | null
  readonly secondsMax: number | null
  readonly repetitions: number
  /** Why there is no figure (wrong, failed, skipped). */
  readonly note?: string
  /** Not run: under --quick, a backend whose measured speed says this workload would blow the time budget. */
  readonly skipped?: boolean
}

export interface NorseRow {
  readonly workload: string
  readonly device: string
  readonly threads: number | null
  readonly neuronStepsPerSecond: number
}

export interface BenchReport {
  /** The report's layout version (see ../json.ts). */
  readonly schemaVersion: number
  readonly machine: BenchMachine
  readonly quick: boolean
  readonly workloads: readonly BenchWorkloadInfo[]
  readonly cLimit: readonly CLimitRow[]
  readonly results: readonly ResultRow[]
  readonly unavailable: readonly { readonly backend: string; readonly reason: string }[]
  readonly norse: {
    readonly note: string
    readonly machine: string
    readonly figures: readonly NorseRow[]
  }
}

export const sci = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(digits)

export function formatSeconds(s: number | null): string {
  if (s === null) return '—'
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`
  return `${s.toFixed(2)} s`
}

const norseCell = (report: BenchReport, workload: string, gpu: boolean) => {
  const f = report.norse.figures.find(
    (n) => n.workload === workload && (gpu ? n.device !== 'cpu' : n.device === 'cpu' && n.threads === 2),
  )
  return f ? sci(f.neuronStepsPerSecond) : '—'
}

/** Rows for the screen and Markdown tables. */
export function tableRows(report: BenchReport): { header: string[]; rows: string[][] } {
  const header = [
    'workload',
    'backend',
    'correct',
    'error',
    'neuron-steps/s',
    '× best C',
    'median',
    'min – max',
    'Norse CPU 2 thr*',
    'Norse GPU*',
  ]
  const rows = report.results.map((r) => [
    r.workload,
    r.backend,
    r.skipped ? 'skipped' : r.correct ? 'yes' : 'NO',
    sci(r.error, 1),
    sci(r.neuronStepsPerSecond),
    r.ratioToCLimit === null ? '—' : r.ratioToCLimit.toFixed(3),
    formatSeconds(r.secondsMedian),
    r.secondsMin === null
      ? (r.note ?? '—')
      : `${formatSeconds(r.secondsMin)} – ${formatSeconds(r.secondsMax)}`,
    norseCell(report, r.workload, false),
    norseCell(report, r.workload, true),
  ])
  return { header, rows }
}

export function notes(report: BenchReport): string[] {
  const lines: string[] = []
  for (const c of report.cLimit)
    lines.push(
      `C limit ${c.workload}: ${c.neuronStepsPerSecond === null ? 'none' : sci(c.neuronStepsPerSecond)} — ${c.note}`,
    )
  for (const w of report.workloads) if (w.scaled) lines.push(`--quick: ${w.name} ${w.scaled}`)
  for (const u of report.unavailable) lines.push(`${u.backend}: not available: ${u.reason}`)
  lines.push(`* ${report.norse.note}: ${report.norse.machine}`)
  return lines
}

export function toMarkdown(report: BenchReport): string {
  const { header, rows } = tableRows(report)
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  const m = report.machine
  return [
    `# leaky bench — ${m.host}, ${m.date}${report.quick ? ' (--quick)' : ''}`,
    '',
    `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.platform}, Node ${m.node}.`,
    'Throughput in neuron-steps per second (T·batch·N per second; for step latency N per second).',
    '',
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
    ...notes(report).map((n) => `- ${esc(n)}`),
    '',
  ].join('\n')
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1']

/** Horizontal bars, log scale: every backend per workload, with the C limit and Norse's CPU figure. */
export function toSvg(report: BenchReport): string {
  type Bar = { label: string; value: number; color: string }
  const backends = [...new Set(report.results.map((r) => r.backend))]
  const groups = report.workloads.map((w) => {
    const bars: Bar[] = []
    for (const r of report.results.filter((x) => x.workload === w.name && x.neuronStepsPerSecond !== null))
      bars.push({
        label: r.backend,
        value: r.neuronStepsPerSecond as number,
        color: PALETTE[backends.indexOf(r.backend) % PALETTE.length] as string,
      })
    const c = report.cLimit.find((x) => x.workload === w.name)?.neuronStepsPerSecond
    if (c) bars.push({ label: 'best C', value: c, color: '#333333' })
    const n = report.norse.figures.find((f) => f.workload === w.name && f.device === 'cpu' && f.threads === 2)
    if (n) bars.push({ label: 'Norse CPU 2 thr*', value: n.neuronStepsPerSecond, color: '#bbbbbb' })
    return { title: `${w.name}${w.scaled ? ' (quick)' : ''}`, bars }
  })
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0)
  const lo = Math.floor(Math.log10(Math.min(...values, 1e6)))
  const hi = Math.ceil(Math.log10(Math.max(...values, 1e7)))
  const left = 150
  const width = 760
  const plot = width - left - 90
  const barH = 13
  const x = (v: number) => left + ((Math.log10(v) - lo) / (hi - lo)) * plot
  const parts: string[] = []
  let y = 44
  for (const g of groups) {
    parts.push(`<text x="8" y="${y + 10}" font-weight="bold">${escapeXml(g.title)}</text>`)
    y += 16
    for (const b of g.bars) {
      const w = Math.max(1, x(b.value) - left)
      parts.push(
        `<text x="${left - 6}" y="${y + 10}" text-anchor="end">${escapeXml(b.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${b.color}"/>`,
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + 10}">${sci(b.value)}</text>`,
      )
      y += barH
    }
    y += 8
  }
  const axis: string[] = []
  for (let p = lo; p <= hi; p++) {
    const px = x(10 ** p).toFixed(1)
    axis.push(
      `<line x1="${px}" y1="36" x2="${px}" y2="${y}" stroke="#e0e0e0"/>`,
      `<text x="${px}" y="${y + 14}" text-anchor="middle">1e${p}</text>`,
    )
  }
  const height = y + 44
  const m = report.machine
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${escapeXml(`leaky bench — ${m.host}, ${m.date}${report.quick ? ' (--quick)' : ''}: neuron-steps per second (log scale)`)}</text>`,
    ...axis,
    ...parts,
    `<text x="8" y="${y + 32}" fill="#666">${escapeXml(`* ${report.norse.note}. C limit: the best of three C references on this machine, same run.`)}</text>`,
    '</svg>',
    '',
  ].join('\n')
}

/**
 * What the run recommends for this machine: the fastest correct backend per workload, and the one
 * fastest on most workloads. (auto does better: it picks per workload from the calibration.)
 */
export function recommendation(report: BenchReport): {
  perWorkload: { workload: string; backend: string }[]
  overall: string | undefined
} {
  const perWorkload: { workload: string; backend: string }[] = []
  const wins = new Map<string, number>()
  for (const w of report.workloads) {
    const best = report.results
      .filter((r) => r.workload === w.name && r.correct && r.neuronStepsPerSecond !== null)
      .sort((a, b) => (b.neuronStepsPerSecond as number) - (a.neuronStepsPerSecond as number))[0]
    if (!best) continue
    perWorkload.push({ workload: w.name, backend: best.backend })
    wins.set(best.backend, (wins.get(best.backend) ?? 0) + 1)
  }
  const overall = [...wins.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
  return { perWorkload, overall }
}
