import { DTypeError, ShapeError } from '../errors/errors.js'

/** A tensor's dimensions, outermost first. */
export type Shape = readonly number[]

/** A dense row-major float32 tensor: the only array type leaky's interfaces take and give. */
export interface Tensor {
  readonly data: Float32Array
  readonly shape: Shape
}

/** The number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let size = 1
  for (const d of shape) size *= d
  return size
}

/** A shape as text, e.g. `[100, 3]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`
}

/** Whether two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k])
}

function checkShape(shape: Shape, what: string): void {
  if (!Array.isArray(shape))
    throw new ShapeError(`${what}: shape must be an array of sizes, got ${typeof shape}`)
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${what}: shape ${formatShape(shape)} has ${d}, sizes must be integers >= 0`)
    }
  }
}

/**
 * Makes a tensor. A plain number array is converted to float32 here, where the caller asks for it;
 * everywhere else leaky takes Float32Array only and rejects other arrays instead of converting them.
 */
export function tensor(data: Float32Array | readonly number[], shape: Shape): Tensor {
  checkShape(shape, 'tensor')
  const values =
    data instanceof Float32Array ? data : Array.isArray(data) ? Float32Array.from(data) : undefined
  if (!values) {
    throw new DTypeError(
      `tensor: data must be a Float32Array or an array of numbers, got ${describeValue(data)}`,
    )
  }
  if (values.length !== sizeOf(shape)) {
    throw new ShapeError(
      `tensor: shape ${formatShape(shape)} holds ${sizeOf(shape)} values, data has ${values.length}`,
    )
  }
  return { data: values, shape: [...shape] }
}

/** A float32 tensor of zeros. */
export function zeros(shape: Shape): Tensor {
  return { data: new Float32Array(sizeOf(shape)), shape: [...shape] }
}

/** A copy of a tensor with its own data. */
export function cloneTensor(t: Tensor): Tensor {
  return { data: t.data.slice(), shape: [...t.shape] }
}

/** Checks that `value` is a Tensor with Float32Array data that matches its shape. */
export function assertTensor(value: unknown, what: string): asserts value is Tensor {
  if (typeof value !== 'object' || value === null || !('data' in value) || !('shape' in value)) {
    throw new DTypeError(
      `${what} must be a tensor { data: Float32Array, shape }, got ${describeValue(value)}`,
    )
  }
  const t = value as { data: unknown; shape: Shape }
  if (!(t.data instanceof Float32Array)) {
    throw new DTypeError(
      `${what}.data must be a Float32Array, got ${describeValue(t.data)} (convert with tensor(...) or Float32Array.from)`,
    )
  }
  checkShape(t.shape, what)
  if (t.data.length !== sizeOf(t.shape)) {
    throw new ShapeError(
      `${what}: shape ${formatShape(t.shape)} holds ${sizeOf(t.shape)} values, data has ${t.data.length}`,
    )
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a plain array'
  if (ArrayBuffer.isView(value)) return value.constructor.name
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object'
  return typeof value
}
