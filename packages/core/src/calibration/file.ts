/**
 * The calibration file `leaky bench` writes and `auto` ranks by, for Node: where it lives, the
 * machine it was measured on, and loading it so `auto` in any program uses it. A file measured on
 * another machine (or another Node / onnxruntime) is ignored, with the reason, never used silently.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Calibration, parseCalibration, useCalibration } from '../backend/auto.js'

/** The version of the calibration file's layout (its `schemaVersion` field). */
export const CALIBRATION_SCHEMA_VERSION = 1

/** What a calibration is only valid for: the same CPU, system, Node and onnxruntime builds. */
export interface MachineFingerprint {
  readonly cpu: string
  readonly cores: number
  readonly platform: string
  readonly arch: string
  readonly node: string
  /** Versions of the onnxruntime packages the backends run on, where they can be found. */
  readonly runtimes: { readonly [runtime: string]: string }
}

/** A calibration as stored on disk: the figures and the machine they were measured on. */
export interface CalibrationFile extends Calibration {
  readonly schemaVersion: number
  readonly machine: MachineFingerprint
}

/** Where to look for the onnxruntime packages (default: the working directory and this package). */
export interface FingerprintOptions {
  /** Extra files or folders to resolve the backend packages from (e.g. the CLI's own location). */
  readonly resolveFrom?: readonly string[]
}

/**
 * The calibration file: `$LEAKY_CACHE_DIR/calibration.json`, else
 * `${XDG_CACHE_HOME:-~/.cache}/leaky/calibration.json`.
 */
export function calibrationPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.LEAKY_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'leaky')
  return join(dir, 'calibration.json')
}

const RUNTIMES: readonly (readonly [runtime: string, via: string])[] = [
  ['onnxruntime-node', '@leaky/backend-node'],
  ['onnxruntime-web', '@leaky/backend-web'],
]

/** The version in the package.json above a resolved file of `name` (not every package exports it). */
function versionAbove(file: string, name: string): string | undefined {
  let dir = dirname(file)
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version
    } catch {}
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

function runtimeVersions(bases: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {}
  for (const [runtime, via] of RUNTIMES) {
    for (const base of bases) {
      try {
        const from = createRequire(base)
        let file: string
        try {
          file = createRequire(from.resolve(via)).resolve(runtime)
        } catch {
          file = from.resolve(runtime)
        }
        const version = versionAbove(file, runtime)
        if (version) {
          found[runtime] = version
          break
        }
      } catch {}
    }
  }
  return found
}

/** This machine's fingerprint: CPU model, cores, platform, arch, Node and onnxruntime versions. */
export function machineFingerprint(options: FingerprintOptions = {}): MachineFingerprint {
  const cpu = cpus()
  const bases = [
    ...(options.resolveFrom ?? []).map((p) => (p.startsWith('file:') ? p : pathToFileURL(p).href)),
    pathToFileURL(join(process.cwd(), 'noop.js')).href,
    import.meta.url,
  ]
  return {
    cpu: cpu[0]?.model ?? 'unknown CPU',
    cores: cpu.length,
    platform: process.platform,
    arch: process.arch,
    node: process.versions.node,
    runtimes: runtimeVersions(bases),
  }
}

/** Why a calibration from `then` does not describe `now` (undefined: it does). */
export function fingerprintMismatch(then: MachineFingerprint, now: MachineFingerprint): string | undefined {
  const differ: string[] = []
  for (const key of ['cpu', 'cores', 'platform', 'arch', 'node'] as const)
    if (then[key] !== now[key]) differ.push(`${key} ${then[key]} there, ${now[key]} here`)
  for (const [runtime, version] of Object.entries(then.runtimes ?? {})) {
    const here = now.runtimes[runtime]
    if (here !== undefined && here !== version) differ.push(`${runtime} ${version} there, ${here} here`)
  }
  return differ.length > 0 ? differ.join('; ') : undefined
}

/** The outcome of reading the calibration file: the figures to use, or why there are none. */
export type CalibrationLoad =
  | { readonly path: string; readonly calibration: CalibrationFile; readonly ignored?: undefined }
  | { readonly path: string; readonly calibration?: undefined; readonly ignored?: string }

function checkMachine(doc: Record<string, unknown>): MachineFingerprint | undefined {
  const m = doc.machine as Record<string, unknown> | undefined
  if (typeof m !== 'object' || m === null) return undefined
  const ok =
    typeof m.cpu === 'string' &&
    typeof m.cores === 'number' &&
    typeof m.platform === 'string' &&
    typeof m.arch === 'string' &&
    typeof m.node === 'string' &&
    typeof m.runtimes === 'object' &&
    m.runtimes !== null
  return ok ? (m as unknown as MachineFingerprint) : undefined
}

/**
 * Reads the calibration file without installing it. A missing file is normal (no `ignored`); an
 * unreadable or malformed one, one without a machine fingerprint, or one measured on another
 * machine comes back with `ignored` saying why.
 */
export function readCalibration(path = calibrationPath(), options: FingerprintOptions = {}): CalibrationLoad {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? { path } : { path, ignored: `cannot read ${path}: ${code ?? error}` }
  }
  let doc: Record<string, unknown>
  let calibration: Calibration
  try {
    doc = JSON.parse(text)
    calibration = parseCalibration(doc)
  } catch (error) {
    return { path, ignored: `${path}: ${(error as Error).message}` }
  }
  const machine = checkMachine(doc)
  if (!machine) return { path, ignored: `${path} has no machine fingerprint (written by an older leaky)` }
  const mismatch = fingerprintMismatch(machine, machineFingerprint(options))
  if (mismatch) return { path, ignored: `${path} was measured on another machine or setup: ${mismatch}` }
  return {
    path,
    calibration: { ...calibration, schemaVersion: Number(doc.schemaVersion ?? 1), machine },
  }
}

/**
 * Loads the calibration `leaky bench` wrote on this machine and makes `auto` rank by it
 * (`useCalibration`); when there is none, or it is ignored, `auto` uses the backends' declared
 * figures. Never throws and never prints: the result says what happened.
 *
 *     import { loadCalibration } from '@leaky/core/node'
 *     const { calibration, ignored } = loadCalibration()
 */
export function loadCalibration(path = calibrationPath(), options: FingerprintOptions = {}): CalibrationLoad {
  const loaded = readCalibration(path, options)
  useCalibration(loaded.calibration)
  return loaded
}

/**
 * Writes a calibration for this machine atomically (temp file + rename), keeping the other backends'
 * figures of an earlier file from the same machine.
 */
export function writeCalibration(
  next: Calibration,
  path = calibrationPath(),
  options: FingerprintOptions = {},
): CalibrationFile {
  const previous = readCalibration(path, options).calibration
  const machine = machineFingerprint(options)
  const merged: CalibrationFile = {
    schemaVersion: CALIBRATION_SCHEMA_VERSION,
    ...next,
    machine,
    backends: previous ? { ...previous.backends, ...next.backends } : next.backends,
  }
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(merged, null, 2)}\n`)
  renameSync(temp, path)
  return merged
}
