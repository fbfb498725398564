import { CapacityError } from '../errors/errors.js'

/**
 * Memory is estimated from shapes before a call allocates anything, so a call too large for this
 * machine is a CapacityError, not an out-of-memory crash halfway through.
 */

/** The longest Float32Array V8 allocates (2^32 − 1 elements on 64-bit Node and Chrome). */
export const MAX_ARRAY_ELEMENTS = 2 ** 32 - 1

let budgetOverride: number | undefined

/** Caps the bytes one call may allocate (undefined: back to the default, a share of this machine's memory). */
export function setMemoryBudget(bytes: number | undefined): void {
  budgetOverride = bytes
}

type NodeOs = { totalmem(): number }
type MaybeNode = { process?: { getBuiltinModule?: (id: string) => unknown } }
type MaybeBrowser = { navigator?: { deviceMemory?: number } }

/** The machine's default budget, asked once: os.totalmem() is a system call (~50 µs on a busy machine) on every run otherwise. */
let machineBudget: number | undefined

/** Three quarters of physical memory in Node; in a browser, what navigator.deviceMemory admits (≥ 2 GiB). */
export function memoryBudget(): number {
  if (budgetOverride !== undefined) return budgetOverride
  if (machineBudget === undefined) {
    const os = (globalThis as MaybeNode).process?.getBuiltinModule?.('node:os') as NodeOs | undefined
    const gib = (globalThis as MaybeBrowser).navigator?.deviceMemory ?? 4
    machineBudget = os ? Math.floor(os.totalmem() * 0.75) : Math.max(2, gib / 2) * 2 ** 30
  }
  return machineBudget
}

/**
 * Throws CapacityError if arrays of these element counts cannot be allocated together. `advice`
 * says what the caller can do about it (default: split the sequence).
 */
export function checkCapacity(
  what: string,
  arrays: readonly number[],
  advice = 'split the sequence in time or pass a smaller batch',
): void {
  const largest = Math.max(0, ...arrays)
  if (largest > MAX_ARRAY_ELEMENTS) {
    throw new CapacityError(
      `${what} needs an array of ${largest.toExponential(3)} float32 values; the most one array can hold is ${MAX_ARRAY_ELEMENTS} — ${advice}`,
    )
  }
  const bytes = arrays.reduce((sum, n) => sum + 4 * n, 0)
  const budget = memoryBudget()
  if (bytes > budget) {
    throw new CapacityError(
      `${what} needs about ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the ${(budget / 2 ** 30).toFixed(1)} GiB budget of this machine — ${advice}`,
    )
  }
}
