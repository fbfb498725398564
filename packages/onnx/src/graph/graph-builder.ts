/**
 * A small builder for ONNX graphs: named values, nodes, initializers and typed inputs/outputs with
 * symbolic dimensions. It produces plain objects of onnx-proto's message interfaces; encoding to
 * bytes lives in ./model.ts.
 */
import type { OnnxGraph, OnnxTensor } from './onnx-types.js'
import { type onnx, proto } from './proto.js'

/** A dimension: a fixed size, or a symbolic name (e.g. "T", "batch0") shared between values. */
export type Dim = number | string

/** Element types this package writes. */
export type ElementType = 'float32' | 'int64'

const DATA_TYPE: Record<ElementType, onnx.TensorProto.DataType> = {
  float32: proto.TensorProto.DataType.FLOAT,
  int64: proto.TensorProto.DataType.INT64,
}

/** A node attribute value, tagged so that 1 (int) and 1.0 (float) cannot be confused. */
export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor }
  | { readonly kind: 'graph'; readonly value: OnnxGraph }

/** Constructors for {@link AttributeValue}. */
export const attr = {
  /** An integer attribute. */
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  /** A float attribute. */
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  /** A list of integers. */
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  /** A string attribute. */
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  /** A tensor attribute (a constant). */
  tensor: (value: OnnxTensor): AttributeValue => ({ kind: 'tensor', value }),
  /** A graph attribute (a Scan or Loop body). */
  graph: (value: OnnxGraph): AttributeValue => ({ kind: 'graph', value }),
}

function toAttributeProto(name: string, a: AttributeValue): onnx.IAttributeProto {
  const T = proto.AttributeProto.AttributeType
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value }
    case 'float':
      return { name, type: T.FLOAT, f: a.value }
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] }
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) }
    case 'tensor':
      return { name, type: T.TENSOR, t: a.value as onnx.ITensorProto }
    case 'graph':
      return { name, type: T.GRAPH, g: a.value as onnx.IGraphProto }
  }
}

/**
 * A tensor as stored in an initializer: little-endian raw bytes (every platform onnxruntime runs on
 * is little-endian, and typed arrays use the platform's byte order).
 */
export function tensorProto(
  name: string,
  data: Float32Array | BigInt64Array,
  dims: readonly number[],
): OnnxTensor {
  const count = dims.reduce((p, d) => p * d, 1)
  if (count !== data.length) {
    throw new Error(`tensor ${name}: ${data.length} values for dims [${dims.join(', ')}]`)
  }
  return {
    name,
    dims: [...dims],
    dataType: data instanceof Float32Array ? DATA_TYPE.float32 : DATA_TYPE.int64,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  }
}

function valueInfo(
  name: string,
  elementType: ElementType,
  dims: readonly Dim[] | undefined,
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[elementType],
        // No shape at all means "rank unknown"; an empty list means a scalar.
        ...(dims === undefined
          ? {}
          : { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }),
      },
    },
  }
}

/**
 * Accumulates one ONNX graph. Value names are strings; {@link GraphBuilder.op} returns the name of
 * the value it creates, so graphs read like expressions:
 *
 *     const j = g.op('Add', [i, x])
 *     const vNew = g.op('Add', [v, g.op('Mul', [a, g.op('Add', [g.op('Sub', [vLeak, v]), j])])])
 *
 * Generated names carry the builder's prefix, so a Scan body built with its own prefix never
 * shadows a value of the outer graph it reads from.
 */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = []
  private readonly initializers: onnx.ITensorProto[] = []
  private readonly inputs: onnx.IValueInfoProto[] = []
  private readonly outputs: onnx.IValueInfoProto[] = []
  private readonly used = new Set<string>()
  private counter = 0
  private readonly intConstants = new Map<string, string>()

  constructor(
    readonly name: string,
    private readonly prefix = '',
  ) {}

  /** A fresh value name derived from `hint`. */
  fresh(hint: string): string {
    let candidate = `${this.prefix}${hint}`
    while (this.used.has(candidate)) candidate = `${this.prefix}${hint}_${++this.counter}`
    this.used.add(candidate)
    return candidate
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`value name "${name}" is already used in graph ${this.name}`)
    this.used.add(name)
    return name
  }

  /** Declares a graph input and returns its name. `dims` undefined = rank unknown. */
  input(name: string, dims: readonly Dim[] | undefined, elementType: ElementType = 'float32'): string {
    this.inputs.push(valueInfo(this.claim(name), elementType, dims))
    return name
  }

  /**
   * Declares `value` as a graph output called `name`. If `value` already has another name, an
   * Identity node gives it the output name (ONNX graph outputs are named values).
   */
  output(name: string, value: string, dims?: readonly Dim[], elementType: ElementType = 'float32'): void {
    if (value !== name) this.node('Identity', [value], [this.claim(name)])
    this.outputs.push(valueInfo(name, elementType, dims))
  }

  /** A float32 initializer (a constant baked into the model). */
  floats(
    hint: string,
    values: Float32Array | readonly number[],
    dims: readonly number[] = [values.length],
  ): string {
    const name = this.fresh(hint)
    this.initializers.push(
      tensorProto(name, values instanceof Float32Array ? values : Float32Array.from(values), dims),
    )
    return name
  }

  /** A float32 scalar initializer (shape []). */
  scalar(hint: string, value: number): string {
    return this.floats(hint, [value], [])
  }

  /** An int64 initializer, for shapes, axes, pads and indices. Equal constants are shared. */
  ints(hint: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`
    const known = this.intConstants.get(key)
    if (known !== undefined) return known
    const name = this.fresh(hint)
    this.initializers.push(tensorProto(name, BigInt64Array.from(values.map((v) => BigInt(v))), dims))
    this.intConstants.set(key, name)
    return name
  }

  /** Adds a node with explicit output names; returns them. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): readonly string[] {
    this.nodes.push({
      opType,
      // Named after what it makes, so profiles read 'MatMul_x_weighted', not 'MatMul_node_7'.
      name: this.fresh(`${opType}_${outputs[0] ?? 'node'}`),
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attributes).map(([k, v]) => toAttributeProto(k, v)),
    })
    return outputs
  }

  /** Adds a single-output node and returns the name of its output. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    hint?: string,
  ): string {
    const out = this.fresh(hint ?? opType.toLowerCase())
    this.node(opType, inputs, [out], attributes)
    return out
  }

  /** The number of nodes so far (for reports and tests on graph size). */
  get nodeCount(): number {
    return this.nodes.length
  }

  /** The finished GraphProto. */
  build(): OnnxGraph {
    return {
      name: this.name,
      node: [...this.nodes],
      initializer: [...this.initializers],
      input: [...this.inputs],
      output: [...this.outputs],
    }
  }
}
