/**
 * The ONNX messages this package hands out, as its own plain-object types. onnx-proto's generated
 * declarations name protobufjs's `Long` without importing it, so a consumer that type-checks libraries
 * (`skipLibCheck: false`) would fail on them: no public declaration of @leaky/onnx mentions onnx-proto.
 * 64-bit integers are plain numbers here (every value leaky writes fits in 2^53).
 */

/** An ONNX TensorProto: an initializer, or a tensor attribute. */
export interface OnnxTensor {
  readonly name?: string | null
  readonly dims?: number[] | null
  /** TensorProto.DataType: 1 float32, 7 int64. */
  readonly dataType?: number | null
  readonly rawData?: Uint8Array | null
}

/** An ONNX AttributeProto of a node. */
export interface OnnxAttribute {
  readonly name?: string | null
  /** AttributeProto.AttributeType. */
  readonly type?: number | null
  readonly i?: number | null
  readonly f?: number | null
  readonly s?: Uint8Array | null
  readonly ints?: number[] | null
  readonly t?: OnnxTensor | null
  readonly g?: OnnxGraph | null
}

/** An ONNX NodeProto: one operator application. */
export interface OnnxNode {
  readonly name?: string | null
  readonly opType?: string | null
  readonly domain?: string | null
  readonly input?: string[] | null
  readonly output?: string[] | null
  readonly attribute?: OnnxAttribute[] | null
}

/** One dimension of a value's shape: a fixed size or a symbolic name. */
export interface OnnxDimension {
  readonly dimValue?: number | null
  readonly dimParam?: string | null
}

/** An ONNX ValueInfoProto: a graph input or output with its element type and shape. */
export interface OnnxValueInfo {
  readonly name?: string | null
  readonly type?: {
    readonly tensorType?: {
      readonly elemType?: number | null
      readonly shape?: { readonly dim?: OnnxDimension[] | null } | null
    } | null
  } | null
}

/** An ONNX GraphProto, as {@link GraphBuilder.build} returns it and {@link encodeModel} takes it. */
export interface OnnxGraph {
  readonly name?: string | null
  readonly node?: OnnxNode[] | null
  readonly initializer?: OnnxTensor[] | null
  readonly input?: OnnxValueInfo[] | null
  readonly output?: OnnxValueInfo[] | null
}

/** An ONNX ModelProto, as {@link decodeModel} returns it. */
export interface OnnxModel {
  readonly irVersion: number
  readonly opsetImport: { readonly domain: string; readonly version: number }[]
  readonly producerName: string
  readonly producerVersion: string
  readonly docString: string
  readonly graph: OnnxGraph | null
  readonly metadataProps: { readonly key: string; readonly value: string }[]
}
