import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** A calibration cache of the tests' own, so no test reads or writes the user's ~/.cache/leaky. */
export const cacheDir = mkdtempSync(join(tmpdir(), 'leaky-cache-'))

/** Runs the built `leaky` binary as a user would. */
export function leaky(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LEAKY_CACHE_DIR: cacheDir },
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export const goldenFile = fileURLToPath(
  new URL('../../../packages/core/golden/norse_li_golden.json', import.meta.url),
)
