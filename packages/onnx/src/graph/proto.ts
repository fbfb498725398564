/**
 * The ONNX protobuf schema, from the npm package onnx-proto (protobufjs-generated, CommonJS). A
 * default import is the one form that works in Node ESM (module.exports) and in Vite/Rollup builds.
 */
import onnxProto from 'onnx-proto'

export type { onnx } from 'onnx-proto'

export const proto = onnxProto.onnx
