/**
 * The ONNX versions every graph of this package is written against.
 *
 * Opset 17 (ONNX 1.12) has every operator the LI graphs use in its current form (Scan-16, Pad-13,
 * Slice-13, Gather-13, MatMul-13) and is supported by onnxruntime ≥ 1.12 on every execution
 * provider, onnxruntime-web (wasm, webgpu) included. IR version 8 is what ONNX 1.12 writes for
 * opset 17, and the newest IR the onnx-proto schema we encode with knows.
 */
export const OPSET_VERSION = 17
/** ModelProto.ir_version written for {@link OPSET_VERSION} (ONNX 1.12 → IR 8). */
export const IR_VERSION = 8
/** ModelProto.producer_name. */
export const PRODUCER_NAME = 'leaky'
/** ModelProto.producer_version: the version of @leaky/onnx. */
export const PRODUCER_VERSION = '0.1.0'
