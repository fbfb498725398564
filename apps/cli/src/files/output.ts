import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Outputs written so that the file a user already has is never damaged: every byte goes to a
 * temporary file in the same folder (so the final rename stays on one file system and is atomic),
 * and the temporary replaces the real name only when everything is written. A failure, a thrown
 * error, SIGINT or SIGTERM removes the temporaries and leaves the previous files as they were.
 */

/** Temporaries not yet renamed into place, removed on failure, on exit and on a signal. */
const pending = new Set<string>()
let handlersInstalled = false

function removePending(): void {
  for (const temp of pending) {
    try {
      unlinkSync(temp)
    } catch {
      // Already gone: nothing of the user's is lost either way.
    }
  }
  pending.clear()
}

function installHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', removePending)
  // The shell's convention: 128 + the signal's number.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      removePending()
      process.stderr.write(`leaky: stopped by ${signal}; no output was written\n`)
      process.exit(code)
    })
  }
}

/** A write that failed, as one line naming the file the user asked for (not the temporary) and why. */
export function writeFailure(path: string, error: unknown): Error {
  const e = error as NodeJS.ErrnoException
  if (typeof e?.code !== 'string') return error as Error
  return Object.assign(new Error(`cannot write ${path}: ${e.code}`), {
    code: e.code,
    path,
    syscall: 'write',
    cause: error,
  })
}

/** One output under construction: write to `temp`, then commit() (rename into place) or discard(). */
export interface PendingOutput {
  /** The name the user asked for. */
  readonly path: string
  /** Where the bytes go until commit(); a sibling of `path`. */
  readonly temp: string
  commit(): void
  discard(): void
}

let counter = 0

/** Reserves a temporary beside `path` (created empty now, so a folder that refuses files fails before any work). */
export function pendingOutput(path: string): PendingOutput {
  installHandlers()
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${++counter}.leaky-tmp`)
  try {
    closeSync(openSync(temp, 'wx', 0o644))
  } catch (error) {
    throw writeFailure(path, error)
  }
  pending.add(temp)
  return {
    path,
    temp,
    commit() {
      if (!pending.has(temp)) throw new Error(`${path}: committed twice or after discard`)
      try {
        const fd = openSync(temp, 'r+')
        try {
          fsyncSync(fd)
        } finally {
          closeSync(fd)
        }
        renameSync(temp, path)
      } catch (error) {
        throw writeFailure(path, error)
      }
      pending.delete(temp)
    },
    discard() {
      if (!pending.delete(temp)) return
      try {
        unlinkSync(temp)
      } catch {
        // Gone already.
      }
    },
  }
}

/**
 * Writes several outputs as one: `fill` writes each temporary; only when all succeeded are they
 * renamed into place (each rename atomic). On any failure none of the named files changes.
 */
export async function writeOutputs<T>(
  paths: readonly string[],
  fill: (temps: readonly string[]) => Promise<T>,
): Promise<T> {
  const outputs: PendingOutput[] = []
  try {
    for (const path of paths) outputs.push(pendingOutput(path))
    let result: T
    try {
      result = await fill(outputs.map((o) => o.temp))
    } catch (error) {
      // A write that failed half way names the file the user asked for, not the temporary.
      const at = outputs.find((o) => (error as NodeJS.ErrnoException)?.path === o.temp)
      throw at ? writeFailure(at.path, error) : error
    }
    for (const o of outputs) o.commit()
    return result
  } finally {
    for (const o of outputs) o.discard()
  }
}

/** Writes `bytes` to `path` through a temporary: the old file stays whole until the new one is. */
export async function writeFileSafely(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeOutputs([path], async ([temp]) => writeAll(temp as string, path, bytes))
}

/** Writes everything to `temp`; a failure (ENOSPC, EFBIG, EIO) names `path`. */
export function writeAll(temp: string, path: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
  const fd = openSync(temp, 'w')
  try {
    let at = 0
    while (at < data.length) at += writeSync(fd, data, at, data.length - at)
  } catch (error) {
    throw writeFailure(path, error)
  } finally {
    closeSync(fd)
  }
}
