import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  type Stats,
  statSync,
  unlinkSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { FormatError } from '@leaky/core'
import { writeFailure } from './output.js'

/**
 * Checks made before any work, so a mistake costs nothing: an output that is one of the inputs
 * (by the file itself: any spelling, a symlink, a hard link), two outputs that are one file, an
 * output that is a device or a folder, an input that is not a regular file.
 */

/** JSON inputs are parsed whole (text, then one JS number per value): larger ones must be .npy. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    // Missing (or unreachable): the read or write itself reports why, naming the file.
    return undefined
  }
}

/** The file an output path names: its own identity when it exists, else its folder's and its name. */
function identity(path: string): string {
  const s = statOrUndefined(path)
  if (s) return `${s.dev}:${s.ino}`
  const folder = statOrUndefined(dirname(resolve(path)))
  return folder ? `${folder.dev}:${folder.ino}/${basename(path)}` : resolve(path)
}

export interface NamedPath {
  /** The flag or role, for the message: "--input", "the contract". */
  readonly what: string
  readonly path: string
}

/** Refuses outputs that would overwrite an input or each other, or that are not plain files. */
export function checkOutputs(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): void {
  const seen = new Map<string, NamedPath>()
  for (const input of inputs) seen.set(identity(input.path), input)
  for (const out of outputs) {
    const s = statOrUndefined(out.path)
    if (s && !s.isFile())
      throw new FormatError(
        `${out.what} ${out.path} is ${s.isDirectory() ? 'a folder' : 'not a regular file'}: leaky writes only regular files`,
      )
    const id = identity(out.path)
    const clash = seen.get(id)
    if (clash)
      throw new FormatError(
        `${out.what} ${out.path} is the same file as ${clash.what} ${clash.path}: writing it would destroy it; choose another name`,
      )
    seen.set(id, out)
  }
}

/** Refuses an input that is not a regular file (a device such as /dev/zero, a FIFO, a folder). */
export function checkInputFile(path: string): Stats {
  let s: Stats
  try {
    s = statSync(path)
  } catch (error) {
    throw new FormatError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
  if (!s.isFile())
    throw new FormatError(
      `${path} is ${s.isDirectory() ? 'a folder' : 'not a regular file (a device or a pipe)'}: leaky reads only regular files`,
    )
  return s
}

/**
 * Reads a JSON file's text with a bound: the size is checked on the open file (not a second
 * lookup of the name), and a file that grows while read is cut at the bound and refused.
 */
export function readJsonText(path: string, what = path): string {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw new FormatError(`cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
  try {
    const s = fstatSync(fd)
    if (!s.isFile())
      throw new FormatError(
        `${what} is not a regular file (a device, a pipe or a folder): leaky reads only regular files`,
      )
    if (s.size > MAX_JSON_BYTES) throw tooLarge(what, s.size)
    const buffer = Buffer.alloc(s.size + 1)
    let filled = 0
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, null)
      if (n === 0) break
      filled += n
      if (filled === buffer.length) throw tooLarge(what, filled)
    }
    return buffer.toString('utf8', 0, filled)
  } finally {
    closeSync(fd)
  }
}

function tooLarge(what: string, bytes: number): FormatError {
  return new FormatError(
    `${what} is ${(bytes / 2 ** 20).toFixed(0)} MiB, over the ${MAX_JSON_BYTES / 2 ** 20} MiB leaky reads as JSON: use .npy (streamed from disk)`,
  )
}

/**
 * Makes sure `dir` exists (creating it) and takes files, by creating and removing one: a read-only
 * or full disk, a file in the way, a missing permission all fail here, before any work.
 */
export function checkOutputFolder(dir: string): void {
  const probe = join(dir, `.leaky-probe-${process.pid}`)
  try {
    mkdirSync(dir, { recursive: true })
    closeSync(openSync(probe, 'wx'))
    unlinkSync(probe)
  } catch (error) {
    throw writeFailure(dir, error)
  }
}
