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

function sourcePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'c', 'li_roofline.c'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('packages/bench/c/li_roofline.c is missing')
    dir = up
  }
  return join(dir, 'c', 'li_roofline.c')
}

let compiled: CLimitProbe | undefined

/** Compiles li_roofline.c once per process; a missing gcc or OpenMP is a reason, not a crash. */
export function compileCLimit(): CLimitProbe {
  if (compiled) return compiled
  const binary = join(mkdtempSync(join(tmpdir(), 'leaky-roofline-')), 'li_roofline')
  try {
    execFileSync('gcc', ['-O3', '-march=native', '-fopenmp', sourcePath(), '-o', binary], { stdio: 'pipe' })
    compiled = { ok: true, binary }
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer }
    compiled = {
      ok: false,
      reason:
        e.code === 'ENOENT'
          ? 'gcc is not installed, so the C limit cannot be measured'
          : `gcc failed: ${e.stderr?.toString().trim().split('\n')[0] ?? e.message}`,
    }
  }
  return compiled
}

/** Runs the C limit for T×N with 1..threads threads (best of `repetitions`). */
export function measureCLimit(
  steps: number,
  neurons: number,
  options: { threads?: number; repetitions?: number } = {},
): CLimit | { reason: string } {
  const probe = compileCLimit()
  if (!probe.ok) return { reason: probe.reason }
  const threads = options.threads ?? 2
  const out = execFileSync(probe.binary, [String(steps), String(neurons), String(options.repetitions ?? 5)], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    encoding: 'utf8',
  })
  const byThreads = [...out.matchAll(/threads=(\d+) .*neuron_steps_per_s=([0-9.e+]+)/g)].map((m) =>
    Number(m[2]),
  )
  if (byThreads.length === 0) return { reason: `li_roofline printed nothing usable: ${out.trim()}` }
  return { steps, neurons, byThreads }
}
