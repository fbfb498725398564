/**
 * An HDF5 file as plain data: groups of named entries, datasets as typed arrays. Decoding HDF5 is the
 * risky part (a C library compiled to WASM, fed a file from anywhere); everything after it, the NIR
 * reader among it, works on this tree, which can be cloned across a worker boundary.
 */

export type H5Numbers =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array

export interface H5Dataset {
  readonly kind: 'dataset'
  /** numpy-style: '<f4', '<f8', '<i8', … for numbers; 'string' for text. */
  readonly dtype: string
  /** [] for a scalar. */
  readonly shape: readonly number[]
  /** Row-major values; a scalar holds one. */
  readonly value: H5Numbers | readonly string[]
}

export interface H5Group {
  readonly kind: 'group'
  readonly entries: { readonly [name: string]: H5Entry }
}

export type H5Entry = H5Group | H5Dataset

/** Limits that keep a corrupt file from claiming unbounded memory or recursion. */
export const H5_LIMITS = Object.freeze({
  /** Elements in one dataset. */
  datasetElements: 1 << 26,
  /** Elements over the whole file. */
  totalElements: 1 << 27,
  /** Groups nested in groups (hard links can make cycles). */
  depth: 32,
  /** Groups and datasets over the whole file. */
  entries: 100_000,
})
