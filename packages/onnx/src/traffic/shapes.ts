/**
 * A small shape inference for the ops leaky's graphs use. Every value gets a concrete shape once the
 * symbolic dimensions (T, batch0, …) are bound; small int64 values (shapes, pads, indices) are also
 * evaluated, because Reshape, Pad and Slice take their sizes from them. An op it does not know is an
 * error, never a guess: the traffic model must see every tensor.
 */
import { type onnx, proto } from '../graph/proto.js'

export interface ValueInfo {
  readonly shape: readonly number[]
  readonly elementType: 'float32' | 'int64'
  /** The values, for int64 tensors small enough to matter for shapes (≤ 64 elements). */
  readonly data?: readonly number[]
}

const SMALL = 64
const DT = proto.TensorProto.DataType

export const elementCount = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1)
export const bytesOf = (v: ValueInfo): number => elementCount(v.shape) * (v.elementType === 'int64' ? 8 : 4)

function elementType(t: number | null | undefined): 'float32' | 'int64' {
  if (t === DT.FLOAT) return 'float32'
  if (t === DT.INT64) return 'int64'
  throw new Error(`traffic model: element type ${String(t)} is not one leaky's graphs use`)
}

function initializerInfo(t: onnx.ITensorProto): ValueInfo {
  const shape = (t.dims ?? []).map(Number)
  const type = elementType(t.dataType)
  if (type !== 'int64' || elementCount(shape) > SMALL) return { shape, elementType: type }
  const raw = t.rawData
  let data: number[]
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    data = Array.from({ length: raw.byteLength / 8 }, (_, k) => Number(view.getBigInt64(8 * k, true)))
  } else data = (t.int64Data ?? []).map(Number)
  return { shape, elementType: type, data }
}

/** The input's declared shape with symbolic dimensions replaced from `dims`. */
export function boundShape(info: onnx.IValueInfoProto, dims: Readonly<Record<string, number>>): number[] {
  const shape = info.type?.tensorType?.shape
  if (!shape) throw new Error(`traffic model: input ${info.name} has no shape`)
  return (shape.dim ?? []).map((d) => {
    if (d.dimParam) {
      const n = dims[d.dimParam]
      if (n === undefined) throw new Error(`traffic model: give a size for dimension "${d.dimParam}"`)
      return n
    }
    return Number(d.dimValue)
  })
}

export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length)
  const out: number[] = []
  for (let k = 0; k < rank; k++) {
    const x = a[a.length - rank + k] ?? 1
    const y = b[b.length - rank + k] ?? 1
    if (x !== y && x !== 1 && y !== 1) throw new Error(`traffic model: cannot broadcast [${a}] and [${b}]`)
    out.push(x === 1 ? y : x)
  }
  return out
}

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name)
}
const intAttr = (node: onnx.INodeProto, name: string, fallback: number): number => {
  const a = attribute(node, name)
  return a ? Number(a.i) : fallback
}

function known(v: ValueInfo | undefined, what: string): readonly number[] {
  if (!v?.data) throw new Error(`traffic model: ${what} must be a known int64 value`)
  return v.data
}

const normalise = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis)

function elementwise(op: string, a: readonly number[], b: readonly number[]): number[] {
  const shape = broadcast([a.length], [b.length])
  const n = shape[0] as number
  const at = (xs: readonly number[], k: number) => xs[xs.length === 1 ? 0 : k] as number
  const f: Record<string, (x: number, y: number) => number> = {
    Add: (x, y) => x + y,
    Sub: (x, y) => x - y,
    Mul: (x, y) => x * y,
    Div: (x, y) => Math.trunc(x / y),
    Mod: (x, y) => ((x % y) + y) % y,
  }
  return Array.from({ length: n }, (_, k) => (f[op] as (x: number, y: number) => number)(at(a, k), at(b, k)))
}

/** Output infos of one node, given its input infos (undefined for an omitted optional input). */
export function inferNode(node: onnx.INodeProto, inputs: readonly (ValueInfo | undefined)[]): ValueInfo[] {
  const op = node.opType ?? ''
  const x = inputs[0] as ValueInfo
  switch (op) {
    case 'Identity':
      return [x]
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Mod': {
      const y = inputs[1] as ValueInfo
      const shape = broadcast(x.shape, y.shape)
      const data =
        x.data && y.data && x.elementType === 'int64' && shape.length <= 1
          ? elementwise(op, x.data, y.data)
          : undefined
      return [{ shape, elementType: x.elementType, ...(data ? { data } : {}) }]
    }
    case 'Shape':
      return [{ shape: [x.shape.length], elementType: 'int64', data: [...x.shape] }]
    case 'ConstantOfShape': {
      const shape = known(x, 'ConstantOfShape shape')
      const value = attribute(node, 'value')?.t
      return [{ shape: [...shape], elementType: value ? elementType(value.dataType) : 'float32' }]
    }
    case 'Slice': {
      const starts = known(inputs[1], 'Slice starts')
      const ends = known(inputs[2], 'Slice ends')
      const axes = inputs[3] ? known(inputs[3], 'Slice axes') : starts.map((_, k) => k)
      const steps = inputs[4] ? known(inputs[4], 'Slice steps') : starts.map(() => 1)
      const shape = [...x.shape]
      const ranges: [number, number][] = x.shape.map((d) => [0, d])
      axes.forEach((axisIn, k) => {
        const axis = normalise(axisIn, x.shape.length)
        const d = x.shape[axis] as number
        if ((steps[k] as number) !== 1) throw new Error('traffic model: Slice steps other than 1')
        const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + d : i, 0), d)
        const s = clamp(starts[k] as number)
        const e = clamp(ends[k] as number)
        shape[axis] = Math.max(e - s, 0)
        ranges[axis] = [s, e]
      })
      const data =
        x.data && x.shape.length === 1 ? x.data.slice(...(ranges[0] as [number, number])) : undefined
      return [{ shape, elementType: x.elementType, ...(data ? { data } : {}) }]
    }
    case 'Gather': {
      const indices = inputs[1] as ValueInfo
      const axis = normalise(intAttr(node, 'axis', 0), x.shape.length)
      const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)]
      return [{ shape, elementType: x.elementType }]
    }
    case 'Pad': {
      const pads = known(inputs[1], 'Pad pads')
      const r = x.shape.length
      return [
        {
          shape: x.shape.map((d, k) => d + (pads[k] as number) + (pads[k + r] as number)),
          elementType: x.elementType,
        },
      ]
    }
    case 'Concat': {
      const parts = inputs as ValueInfo[]
      const axis = normalise(intAttr(node, 'axis', 0), x.shape.length)
      const shape = [...x.shape]
      shape[axis] = parts.reduce((s, p) => s + (p.shape[axis] as number), 0)
      const data =
        x.shape.length === 1 && parts.every((p) => p.data)
          ? parts.flatMap((p) => [...(p.data ?? [])])
          : undefined
      return [{ shape, elementType: x.elementType, ...(data ? { data } : {}) }]
    }
    case 'Reshape': {
      const target = known(inputs[1], 'Reshape shape')
      const shape = target.map((d, k) => (d === 0 ? (x.shape[k] as number) : d))
      const rest = elementCount(shape.filter((d) => d !== -1))
      const full = shape.map((d) => (d === -1 ? elementCount(x.shape) / rest : d))
      if (elementCount(full) !== elementCount(x.shape))
        throw new Error(`traffic model: Reshape [${x.shape}] → [${target}]`)
      return [{ shape: full, elementType: x.elementType, ...(x.data ? { data: x.data } : {}) }]
    }
    case 'Squeeze': {
      const axes = inputs[1]
        ? known(inputs[1], 'Squeeze axes').map((a) => normalise(a, x.shape.length))
        : x.shape.flatMap((d, k) => (d === 1 ? [k] : []))
      return [
        {
          shape: x.shape.filter((_, k) => !axes.includes(k)),
          elementType: x.elementType,
          ...(x.data ? { data: x.data } : {}),
        },
      ]
    }
    case 'Unsqueeze': {
      const rank = x.shape.length + known(inputs[1], 'Unsqueeze axes').length
      const axes = known(inputs[1], 'Unsqueeze axes').map((a) => normalise(a, rank))
      const shape: number[] = []
      let next = 0
      for (let k = 0; k < rank; k++) shape.push(axes.includes(k) ? 1 : (x.shape[next++] as number))
      return [{ shape, elementType: x.elementType, ...(x.data ? { data: x.data } : {}) }]
    }
    case 'Transpose': {
      const perm = attribute(node, 'perm')?.ints?.map(Number) ?? x.shape.map((_, k) => x.shape.length - 1 - k)
      return [{ shape: perm.map((p) => x.shape[p] as number), elementType: x.elementType }]
    }
    case 'MatMul': {
      const y = inputs[1] as ValueInfo
      const a = x.shape.length === 1 ? [1, ...x.shape] : x.shape
      const b = y.shape.length === 1 ? [...y.shape, 1] : y.shape
      if (a[a.length - 1] !== b[b.length - 2])
        throw new Error(`traffic model: MatMul [${x.shape}] × [${y.shape}]`)
      const shape = [
        ...broadcast(a.slice(0, -2), b.slice(0, -2)),
        a[a.length - 2] as number,
        b[b.length - 1] as number,
      ]
      if (x.shape.length === 1) shape.splice(shape.length - 2, 1)
      if (y.shape.length === 1) shape.splice(shape.length - 1, 1)
      return [{ shape, elementType: 'float32' }]
    }
    default:
      throw new Error(`traffic model: no shape rule for op ${op}`)
  }
}

export function initializerInfos(graph: onnx.IGraphProto): Map<string, ValueInfo> {
  const values = new Map<string, ValueInfo>()
  for (const t of graph.initializer ?? []) values.set(t.name ?? '', initializerInfo(t))
  return values
}
