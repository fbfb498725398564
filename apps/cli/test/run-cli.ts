import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** Runs the built `leaky` binary as a user would. */
export function leaky(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export const goldenFile = fileURLToPath(
  new URL('../../../packages/core/golden/norse_li_golden.json', import.meta.url),
)
