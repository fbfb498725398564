import { BackendError, FormatError } from '@leaky/core'
import type { Dataset, Group } from 'h5wasm'
import { H5_LIMITS, type H5Dataset, type H5Entry, type H5Group, type H5Numbers } from './tree.js'

/**
 * In-thread HDF5 through h5wasm (HDF5 compiled to WASM, in-memory file system): works in Node and in
 * browsers. A corrupt file can make HDF5 loop for ever or abort; in Node, decodeH5InWorker guards
 * against both. Here, every error becomes a FormatError.
 */

/** The parts of the Emscripten module leaky uses. */
interface H5Runtime {
  readonly FS: {
    writeFile(p: string, d: Uint8Array): void
    readFile(p: string): Uint8Array
    unlink(p: string): void
  }
  readonly HEAPU8?: Uint8Array
  activate_throwing_error_handler(): number
}

type H5Lib = typeof import('h5wasm').default

/**
 * h5wasm is imported on first use, not with this module: instantiating HDF5's WASM reserves
 * gigabytes of address space, which a process under `ulimit -v` (or a page that never opens a .nir)
 * should not pay for importing @leaky/interop.
 */
let h5wasm: H5Lib
let loading: Promise<H5Runtime> | undefined
/** Set when WASM trapped (out-of-bounds access, abort): HDF5's global state can no longer be trusted. */
let trapped = false
let runtime: H5Runtime | undefined
let counter = 0

async function ready(): Promise<H5Runtime> {
  loading ??= import('h5wasm').then(async (module) => {
    h5wasm = module.default
    runtime = (await h5wasm.ready) as unknown as H5Runtime
    // HDF5's errors then come back as exceptions carrying its message, instead of being printed.
    runtime.activate_throwing_error_handler()
    return runtime
  })
  return loading
}

function fs() {
  if (!runtime) throw new Error('h5wasm used before it was ready')
  return runtime.FS
}

function h5message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  // HDF5's error stack names the innermost failure last: keep the last few "minor" lines, not the whole stack.
  const lines = text.split('\n').map((l) => l.trim())
  const reasons = lines.filter((l) => l.startsWith('minor:')).map((l) => l.slice(6).trim())
  const detail = lines.filter((l) => /^#\d+:/.test(l)).map((l) => l.replace(/^#\d+:.*?\(\): /, ''))
  return [...new Set([...detail.slice(-2), ...reasons.slice(-1)])].join('; ') || text.slice(0, 200)
}

/** True once a damaged file made the WASM instance trap: it must not be used again (Node's worker restarts). */
export function h5Trapped(): boolean {
  return trapped
}

function isTrap(error: unknown): boolean {
  // WebAssembly.RuntimeError (out-of-bounds access, unreachable) or Emscripten's abort().
  return error instanceof Error && (error.name === 'RuntimeError' || /^Aborted\(/.test(error.message))
}

/** Reads a whole HDF5 file held in memory into a plain tree. */
export async function decodeH5(bytes: Uint8Array): Promise<H5Group> {
  await ready()
  if (trapped) {
    throw new BackendError(
      'h5wasm trapped on an earlier damaged file and cannot be used again in this thread: reload it',
    )
  }
  if (bytes.length < 8) throw new FormatError(`HDF5: file has ${bytes.length} bytes, too short`)
  const name = `/leaky-read-${++counter}.h5`
  fs().writeFile(name, bytes)
  let file: InstanceType<H5Lib['File']> | undefined
  try {
    try {
      file = new h5wasm.File(name, 'r')
    } catch (error) {
      if (isTrap(error)) trapped = true
      throw new FormatError(`not an HDF5 file, or a damaged one (${h5message(error)})`, { cause: error })
    }
    return walk(file, { depth: 0, entries: 0, elements: 0 }, '/')
  } catch (error) {
    if (isTrap(error)) trapped = true
    if (error instanceof FormatError) throw error
    throw new FormatError(`HDF5: cannot read the file (${h5message(error)})`, { cause: error })
  } finally {
    try {
      if (!trapped) file?.close()
    } catch {
      // A damaged file may fail to close; its memory goes with the unlink below.
    }
    fs().unlink(name)
  }
}

interface Budget {
  depth: number
  entries: number
  elements: number
}

function walk(group: Group, budget: Budget, path: string): H5Group {
  if (budget.depth > H5_LIMITS.depth)
    throw new FormatError(`HDF5: groups nested deeper than ${H5_LIMITS.depth} at ${path}`)
  const entries: Record<string, H5Entry> = {}
  for (const key of group.keys()) {
    if (++budget.entries > H5_LIMITS.entries)
      throw new FormatError(`HDF5: more than ${H5_LIMITS.entries} entries`)
    const child = group.get(key)
    const childPath = `${path}${key}`
    if (child instanceof h5wasm.Group) {
      budget.depth++
      entries[key] = walk(child, budget, `${childPath}/`)
      budget.depth--
    } else if (child instanceof h5wasm.Dataset) {
      entries[key] = readDataset(child, budget, childPath)
    }
    // Links to other files, named datatypes and broken links are not part of a NIR graph: left out.
  }
  return { kind: 'group', entries }
}

function readDataset(d: Dataset, budget: Budget, path: string): H5Dataset {
  const meta = d.metadata
  const shape = meta.shape ?? []
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new FormatError(`HDF5: dataset ${path} has a bad shape`)
  }
  const elements = shape.reduce((a, b) => a * b, 1)
  if (elements > H5_LIMITS.datasetElements)
    throw new FormatError(`HDF5: dataset ${path} claims ${elements} elements`)
  budget.elements += elements
  if (budget.elements > H5_LIMITS.totalElements)
    throw new FormatError('HDF5: file claims too many elements in all')
  // h5wasm type classes: 0 integer, 1 float, 3 string.
  if (meta.type === 3) {
    const v = d.value
    const strings =
      typeof v === 'string' ? [v] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined
    if (!strings) throw new FormatError(`HDF5: dataset ${path} is not readable as text`)
    return { kind: 'dataset', dtype: 'string', shape, value: strings as string[] }
  }
  if (meta.type !== 0 && meta.type !== 1) {
    return { kind: 'dataset', dtype: `h5-class-${meta.type}`, shape, value: new Float32Array(0) }
  }
  // h5wasm hands back file-order bytes; leaky reads what NIR writers produce, little-endian.
  if (!meta.littleEndian && meta.size > 1)
    throw new FormatError(`HDF5: dataset ${path} is big-endian, which leaky does not read`)
  const v = d.value
  const value = numbers(v)
  if (!value || value.length !== elements)
    throw new FormatError(
      `HDF5: dataset ${path} holds ${value?.length ?? 'no'} values for shape [${shape.join(', ')}]`,
    )
  // numpy-style names ('<f4', '<i8'), not h5wasm's struct-style ones ('<f', '<q').
  const dtype = `${meta.littleEndian ? '<' : '>'}${meta.type === 1 ? 'f' : meta.signed ? 'i' : 'u'}${meta.size}`
  return { kind: 'dataset', dtype, shape, value }
}

function numbers(v: unknown): H5Numbers | undefined {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as H5Numbers
  // Scalars come back as JS numbers (any float, or an integer up to 32 bits) or bigints (64-bit integers).
  if (typeof v === 'number') return Float64Array.of(v)
  if (typeof v === 'bigint') return BigInt64Array.of(v)
  return undefined
}

/** What writeH5 takes: float32/float64/int64 arrays with a shape, or text. */
export type H5Input =
  | { readonly kind: 'group'; readonly entries: { readonly [name: string]: H5Input } }
  | {
      readonly kind: 'dataset'
      readonly shape: readonly number[]
      readonly value: Float32Array | Float64Array | BigInt64Array | readonly string[]
    }

export interface WriteOptions {
  /** gzip level 1-9 for numeric datasets (NIR's Python writer uses gzip by default); 0 or absent: none. */
  readonly gzip?: number
}

/** Writes a tree as an HDF5 file in memory and returns its bytes. */
export async function encodeH5(
  root: { readonly [name: string]: H5Input },
  options: WriteOptions = {},
): Promise<Uint8Array> {
  await ready()
  if (trapped)
    throw new BackendError(
      'h5wasm trapped on an earlier damaged file and cannot write in this thread: reload it',
    )
  const name = `/leaky-write-${++counter}.h5`
  const file = new h5wasm.File(name, 'w')
  try {
    write(file, root, options)
    file.flush()
  } finally {
    file.close()
  }
  try {
    return fs().readFile(name).slice()
  } finally {
    fs().unlink(name)
  }
}

function write(group: Group, entries: { readonly [name: string]: H5Input }, options: WriteOptions): void {
  for (const [key, entry] of Object.entries(entries)) {
    if (entry.kind === 'group') {
      write(group.create_group(key), entry.entries, options)
      continue
    }
    const { shape, value } = entry
    if (isStrings(value)) {
      // A scalar string as h5py.string_dtype() writes it: variable-length UTF-8.
      group.create_dataset({
        name: key,
        data: shape.length === 0 ? (value[0] as string) : [...value],
        shape: [...shape],
      })
      continue
    }
    const gzip = options.gzip && value.length > 0 && shape.length > 0 ? options.gzip : 0
    group.create_dataset({
      name: key,
      data: value,
      shape: [...shape],
      // h5wasm takes Python struct codes: f float32, d float64, q int64.
      dtype: value instanceof Float32Array ? '<f' : value instanceof Float64Array ? '<d' : '<q',
      ...(gzip ? { chunks: [...shape], compression: gzip } : {}),
    })
  }
}

function isStrings(v: unknown): v is readonly string[] {
  return Array.isArray(v)
}

/** Bytes of WASM memory h5wasm holds now (it never shrinks): to watch for leaks. */
export function h5HeapBytes(): number {
  return runtime?.HEAPU8?.length ?? 0
}
