import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { type Calibration, parseCalibration, useCalibration } from '@leaky/core'

/**
 * The calibration `leaky bench` measures and every later `leaky` command uses for `auto`:
 * `${LEAKY_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/leaky}/calibration.json`.
 */
export function calibrationPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.LEAKY_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'leaky')
  return join(dir, 'calibration.json')
}

export type LoadedCalibration =
  | { readonly calibration: Calibration; readonly path: string }
  | { readonly calibration: undefined; readonly path: string; readonly problem?: string }

/** Reads the calibration file; a missing file is normal, a broken one is reported, never fatal. */
export function readCalibration(path = calibrationPath()): LoadedCalibration {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT'
      ? { calibration: undefined, path }
      : { calibration: undefined, path, problem: `cannot read ${path}: ${code ?? error}` }
  }
  try {
    return { calibration: parseCalibration(JSON.parse(text)), path }
  } catch (error) {
    return { calibration: undefined, path, problem: `${path}: ${(error as Error).message}` }
  }
}

/** Installs the calibration for `auto` at startup. A broken file: one warning line, built-in figures. */
export function loadCalibration(path = calibrationPath()): LoadedCalibration {
  const loaded = readCalibration(path)
  if ('problem' in loaded && loaded.problem)
    process.stderr.write(`leaky: ignoring the calibration (${loaded.problem}); rerun leaky bench\n`)
  useCalibration(loaded.calibration)
  return loaded
}

/** Writes atomically (temp file + rename), keeping other backends' figures from the same host. */
export function writeCalibration(next: Calibration, path = calibrationPath()): Calibration {
  const previous = readCalibration(path).calibration
  const merged: Calibration =
    previous && previous.host === next.host
      ? { ...next, backends: { ...previous.backends, ...next.backends } }
      : next
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(merged, null, 2)}\n`)
  renameSync(temp, path)
  return merged
}
