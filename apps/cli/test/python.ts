import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const repoPython = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url))

/**
 * The Python with the pinned tools (scripts/python/setup.sh): $LEAKY_PYTHON, else <repo>/.venv.
 * Missing: undefined, so the tests skip, and say why, unless CI is set, where they must run.
 */
export function findPython(): string | undefined {
  const python = process.env.LEAKY_PYTHON ?? (existsSync(repoPython) ? repoPython : undefined)
  if (python === undefined && process.env.CI) {
    throw new Error('CI is set but no Python: set LEAKY_PYTHON or run `bash scripts/python/setup.sh`')
  }
  return python
}

export const NO_PYTHON =
  '(skipped: no Python at $LEAKY_PYTHON or <repo>/.venv/bin/python; run `bash scripts/python/setup.sh`)'

export function script(name: string): string {
  return fileURLToPath(new URL(`./python/${name}`, import.meta.url))
}

/** Runs a Python script; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runPython(
  python: string,
  args: string[],
  timeout = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python, args, { timeout, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}
