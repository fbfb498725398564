/** Wraps a graph into an ONNX ModelProto and encodes it to the bytes onnxruntime loads. */
import { IR_VERSION, OPSET_VERSION, PRODUCER_NAME, PRODUCER_VERSION } from '../versions.js'
import type { GraphBuilder } from './graph-builder.js'
import type { OnnxGraph, OnnxModel } from './onnx-types.js'
import { type onnx, proto } from './proto.js'

/** Encodes `graph` as an ONNX model (default domain at {@link OPSET_VERSION}, IR {@link IR_VERSION}). */
export function encodeModel(
  graph: GraphBuilder | OnnxGraph,
  docString = '',
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    docString,
    graph: ('build' in graph && typeof graph.build === 'function'
      ? graph.build()
      : graph) as onnx.IGraphProto,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  }
  return proto.ModelProto.encode(model).finish()
}

/**
 * Decodes model bytes (for inspection and tests: node types, opset, I/O). 64-bit integers come back
 * as numbers; garbage throws protobufjs's decoding error.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const message = proto.ModelProto.decode(bytes)
  return proto.ModelProto.toObject(message, { longs: Number, arrays: true, defaults: true }) as OnnxModel
}
