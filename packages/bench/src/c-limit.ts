import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The C limit of this machine: shared/anchors/li_roofline.c (a copy lives in packages/bench/c), the LI
 * update fused over time in vectorised C, compiled here on the fly and run in the same invocation as
 * what it is compared with, because these machines are noisy.
 */
export interface CLimit {
  readonly steps: number
  readonly neurons: number
  /** Neuron-steps per second, by thread count (index 0 = 1 thread). */
  readonly byThreads: readonly number[]
}

/** Whether the C limit can be measured here: the compiled binary, or why not. */
export type CLimitProbe =
  | { readonly ok: true; readonly binary: string }
  | { readonly ok: false; readonly reason: string }

/**
 * The three C references, each a program in packages/bench/c with the same command line (T N reps) and
 * output: li_roofline.c (the anchor), li_time_blocked.c (state in registers over blocks of time steps)
 * and li_memcpy.c (moving the bytes and nothing else: the physical bound).
 */
export const C_REFERENCES = ['li_roofline', 'li_time_blocked', 'li_memcpy'] as const
/** One of the C references: li_roofline.c, the time-blocked loop, the memcpy of the same bytes. */
export type CReferenceName = (typeof C_REFERENCES)[number]

function sourcePath(name: CReferenceName): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'c', `${name}.c`))) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`packages/bench/c/${name}.c is missing`)
    dir = up
  }
  return join(dir, 'c', `${name}.c`)
}

const compiled = new Map<CReferenceName, CLimitProbe>()

/** Compiles one C reference once per process; a missing gcc or OpenMP is a reason, not a crash. */
export function compileCLimit(name: CReferenceName = 'li_roofline'): CLimitProbe {
  const known = compiled.get(name)
  if (known) return known
  const binary = join(mkdtempSync(join(tmpdir(), 'leaky-roofline-')), name)
  let probe: CLimitProbe
  try {
    execFileSync('gcc', ['-O3', '-march=native', '-fopenmp', sourcePath(name), '-o', binary], {
      stdio: 'pipe',
    })
    probe = { ok: true, binary }
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer }
    probe = {
      ok: false,
      reason:
        e.code === 'ENOENT'
          ? 'gcc is not installed, so the C limit cannot be measured'
          : `gcc failed on ${name}.c: ${e.stderr?.toString().trim().split('\n')[0] ?? e.message}`,
    }
  }
  compiled.set(name, probe)
  return probe
}

/** Runs li_roofline.c (or another C reference) for T×N with 1..threads threads (best of `repetitions`). */
export function measureCLimit(
  steps: number,
  neurons: number,
  options: { threads?: number; repetitions?: number; reference?: CReferenceName } = {},
): CLimit | { reason: string } {
  const name = options.reference ?? 'li_roofline'
  const probe = compileCLimit(name)
  if (!probe.ok) return { reason: probe.reason }
  const threads = options.threads ?? 2
  const out = execFileSync(probe.binary, [String(steps), String(neurons), String(options.repetitions ?? 5)], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    encoding: 'utf8',
  })
  const byThreads = [...out.matchAll(/threads=(\d+) .*neuron_steps_per_s=([0-9.e+]+)/g)].map((m) =>
    Number(m[2]),
  )
  if (byThreads.length === 0) return { reason: `${name} printed nothing usable: ${out.trim()}` }
  return { steps, neurons, byThreads }
}

export interface CReference extends CLimit {
  readonly name: CReferenceName
  /** The fastest thread count's figure, and that count. */
  readonly best: number
  readonly threads: number
}

/** The C references measured in one run for one T×N, and the best of them (the limit quoted). */
export interface CReferences {
  readonly steps: number
  readonly neurons: number
  /** Every reference that ran, in C_REFERENCES order. */
  readonly references: readonly CReference[]
  /** The fastest of them: the figure every ratio is taken to. */
  readonly best: {
    readonly name: CReferenceName
    readonly neuronStepsPerSecond: number
    readonly threads: number
  }
}

/**
 * All three C references for T×N, measured one after another in this run (these machines are noisy,
 * so a figure is only compared with what ran beside it), and the best of them.
 */
export function measureCReferences(
  steps: number,
  neurons: number,
  options: { threads?: number; repetitions?: number } = {},
): CReferences | { reason: string } {
  const references: CReference[] = []
  const reasons: string[] = []
  for (const name of C_REFERENCES) {
    const c = measureCLimit(steps, neurons, { ...options, reference: name })
    if ('reason' in c) {
      reasons.push(c.reason)
      continue
    }
    const best = Math.max(...c.byThreads)
    references.push({ ...c, name, best, threads: c.byThreads.indexOf(best) + 1 })
  }
  const top = references.reduce<CReference | undefined>((a, r) => (a && a.best >= r.best ? a : r), undefined)
  if (!top) return { reason: reasons[0] ?? 'no C reference ran' }
  return {
    steps,
    neurons,
    references,
    best: { name: top.name, neuronStepsPerSecond: top.best, threads: top.threads },
  }
}

/** One line for a script's output: every reference's figure and which is best. */
export function describeCReferences(c: CReferences | { reason: string }): string {
  if ('reason' in c) return `C references not measured: ${c.reason}`
  const all = c.references.map((r) => `${r.name} ${r.best.toExponential(2)}`).join(', ')
  return `best C reference ${c.best.name} ${c.best.neuronStepsPerSecond.toExponential(2)} neuron-steps/s (${all}; best of 1–2 threads)`
}

/** The figure ratios are taken to: the best reference's, NaN when none ran. */
export const bestCFigure = (c: CReferences | { reason: string }): number =>
  'reason' in c ? Number.NaN : c.best.neuronStepsPerSecond
