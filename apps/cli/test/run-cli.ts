import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** A calibration cache of the tests' own, so no test reads or writes the user's ~/.cache/leaky. */
export const cacheDir = mkdtempSync(join(tmpdir(), 'leaky-cache-'))

/** Where bench writes its reports without --out, so no test writes into ~/.local/share/leaky. */
export const dataDir = mkdtempSync(join(tmpdir(), 'leaky-data-'))

type Result = { code: number; stdout: string; stderr: string }

function run(env: Record<string, string>, args: string[]): Result {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LEAKY_CACHE_DIR: cacheDir, LEAKY_DATA_DIR: dataDir, ...env },
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Runs the built `leaky` binary as a user would; `leaky.withEnv(env)(...)` adds variables. */
export const leaky = Object.assign((...args: string[]): Result => run({}, args), {
  withEnv:
    (env: Record<string, string>) =>
    (...args: string[]): Result =>
      run(env, args),
})

export const goldenFile = fileURLToPath(
  new URL('../../../packages/core/golden/norse_li_golden.json', import.meta.url),
)
