import { extname } from 'node:path'
import { FormatError, LeakyError, NonFiniteError, type Shape, sizeOf, type Tensor } from '@leaky/core'
import { writeNpy } from '@leaky/interop'
import { openNpyFile, readNpyFile } from '@leaky/interop/node'
import { writeFileSafely } from './files/output.js'
import { checkInputFile, MAX_JSON_BYTES, readJsonText } from './files/paths.js'

/**
 * Arrays in and out of the CLI, by file extension: `.json` ({ shape, data }) and `.npy` (NumPy).
 * The .npy format itself is @leaky/interop's (readNpy, openNpyFile, writeNpy, createNpyFile): this
 * file only picks the format by extension and names the file in every error.
 * float64 is rounded to float32 on reading (leaky computes in float32, as Norse's golden runs do).
 * Inputs must be regular files; JSON is parsed whole, so it is refused over MAX_JSON_BYTES (64 MiB).
 * JSON holds only finite numbers: writing NaN or ±Inf into it is refused (.npy holds them).
 */

export { MAX_JSON_BYTES }

/** A time-first array read slice by slice: rows are indices of the first axis. */
export interface ArrayReader {
  readonly shape: Shape
  /** Rows [from, to) of the first axis, as float32. */
  read(from: number, to: number): Promise<Float32Array>
  close(): Promise<void>
}

/** Runs `io` on `path`, turning a missing file and any leaky error into one FormatError naming the file. */
export async function withFile<T>(path: string, io: () => Promise<T>): Promise<T> {
  try {
    return await io()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (typeof code === 'string' && !(error instanceof LeakyError))
      throw new FormatError(`cannot read ${path}: ${code}`, { cause: error })
    if (error instanceof LeakyError)
      throw new FormatError(`${path}: ${error.message.replace(/^\.npy: /, '')}`, { cause: error })
    throw error
  }
}

/** Parses { shape, data } (data flat, C order) into a float32 tensor; `what` names it in errors. */
export function tensorFromJson(value: unknown, what: string): Tensor {
  const v = value as { shape?: unknown; data?: unknown } | null
  if (typeof v !== 'object' || v === null || !Array.isArray(v.shape) || !Array.isArray(v.data))
    throw new FormatError(`${what}: expected { "shape": [...], "data": [...] }`)
  const shape = v.shape as unknown[]
  if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
    throw new FormatError(`${what}: shape must be whole numbers ≥ 0`)
  const data = v.data as unknown[]
  if (data.length !== sizeOf(shape as number[]))
    throw new FormatError(
      `${what}: shape [${shape.join(', ')}] needs ${sizeOf(shape as number[])} values, data has ${data.length}`,
    )
  if (!data.every((x) => typeof x === 'number'))
    throw new FormatError(`${what}: data must be numbers (flat, C order)`)
  return { data: Float32Array.from(data as number[]), shape: shape as number[] }
}

/** A JSON file (a regular file of at most MAX_JSON_BYTES), parsed. */
export function readJsonFile(path: string): unknown {
  const text = readJsonText(path)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new FormatError(`${path} is not JSON: ${(error as Error).message}`)
  }
}

export function isNpy(path: string): boolean {
  const ext = extname(path).toLowerCase()
  if (ext === '.npy') return true
  if (ext === '.json') return false
  throw new FormatError(`${path}: use a .npy or .json file (got "${ext || 'no extension'}")`)
}

/** Opens an array for reading by time slices: .npy streams from disk, .json is parsed whole. */
export async function openArray(path: string): Promise<ArrayReader> {
  if (isNpy(path)) {
    checkInputFile(path)
    const stream = await withFile(path, () => openNpyFile(path))
    return {
      shape: [stream.steps, ...stream.stepShape],
      read: (from, to) => withFile(path, async () => (await stream.readSteps(from, to)).data),
      close: () => stream.close(),
    }
  }
  const t = tensorFromJson(readJsonFile(path), path)
  const rowValues = t.shape.length === 0 ? 1 : sizeOf(t.shape.slice(1))
  return {
    shape: t.shape,
    read: async (from, to) => t.data.subarray(from * rowValues, to * rowValues),
    close: async () => {},
  }
}

/** The whole array of a .npy or .json file, as float32. */
export async function readArray(path: string): Promise<Tensor> {
  if (!isNpy(path)) return tensorFromJson(readJsonFile(path), path)
  checkInputFile(path)
  const { data, shape } = await withFile(path, () => readNpyFile(path))
  return { data, shape }
}

/**
 * Float32 values as JSON numbers: JSON has no NaN or ±Infinity (JSON.stringify would write null,
 * or a bare Infinity no parser accepts), so those are a NonFiniteError naming .npy, which holds them.
 */
export function jsonNumbers(data: Float32Array, what: string): string {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k] as number))
      throw new NonFiniteError(
        `${what}: value ${k} is ${data[k]}, which JSON cannot hold: write a .npy file instead (it keeps NaN and ±Inf)`,
      )
  }
  return data.join(',')
}

/** Writes a tensor as .npy (float32) or .json ({ shape, data }), atomically (see files/output.ts). */
export async function writeArray(path: string, t: Tensor): Promise<void> {
  await writeFileSafely(
    path,
    isNpy(path)
      ? writeNpy(t)
      : `{"shape":${JSON.stringify(t.shape)},"data":[${jsonNumbers(t.data, path)}]}\n`,
  )
}
