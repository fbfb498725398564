/**
 * The pinned Python tools (scripts/python/requirements.txt) for tests that check leaky's files
 * against Python's own readers and writers: `$LEAKY_PYTHON`, else the repo's `.venv/bin/python`
 * (made by scripts/python/setup.sh; .ci/run runs it). Missing: tests skip with a clear message,
 * except under CI, where they fail.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const venvPython = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url))

/** The interpreter, or undefined when none is set up. */
export const python: string | undefined =
  process.env.LEAKY_PYTHON || (existsSync(venvPython) ? venvPython : undefined)

/** Why the Python tests cannot run here (shown as the skipped test's name, or the CI failure). */
export const pythonMissing = `no Python tools: set LEAKY_PYTHON or run bash scripts/python/setup.sh (makes ${venvPython})`

/** True under CI: a missing .venv is then a failure, never a skip. */
export const pythonRequired = Boolean(process.env.CI)

/** Runs `script` with `args` in the venv's Python; a non-zero exit throws with its stderr. */
export function runPython(script: string, args: readonly string[], options: { cwd?: string } = {}): string {
  if (!python) throw new Error(pythonMissing)
  const r = spawnSync(python, [script, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  })
  if (r.status !== 0)
    throw new Error(`${script} exited ${r.status ?? r.signal}:\n${r.stderr || r.error?.message}`)
  return r.stdout
}
