/**
 * @leaky/onnx: ONNX graphs of Norse's leaky integrator — one step, the exact sequence (Scan), and
 * parallel in time (no Loop/Scan) — and .onnx export with a contract. Browser-safe.
 */
export {
  type AttributeValue,
  attr,
  type Dim,
  type ElementType,
  GraphBuilder,
  tensorProto,
} from './graph/graph-builder.js'
export { decodeModel, encodeModel } from './graph/model.js'
export type {
  OnnxAttribute,
  OnnxDimension,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './graph/onnx-types.js'
export {
  buildChunkedSequenceGraph,
  type ChunkedSequenceGraphOptions,
  defaultChunk,
  supportsChunked,
} from './li/chunked-sequence-graph.js'
export { type CoefficientValues, isUniform } from './li/coefficients.js'
export {
  buildDoublingSequenceGraph,
  DEFAULT_MAX_STEPS,
  type ParallelSequenceGraphOptions,
} from './li/doubling-sequence-graph.js'
export { SEQUENCE_IO, STEP_IO, STEPS_IO } from './li/io-names.js'
export {
  type LIGraphOptions,
  PARAMETER_INPUTS,
  type ParameterMode,
  type SequenceGraphOptions,
  type WeightsMode,
} from './li/layer-options.js'
export { addNorseStep } from './li/norse-step.js'
export { buildScanSequenceGraph } from './li/scan-sequence-graph.js'
export { buildStepGraph } from './li/step-graph.js'
export { buildUnrolledStepsGraph, type UnrolledStepsGraphOptions } from './li/unrolled-steps-graph.js'
export type { ContractParameter, GraphKind, ModelContract, TensorContract } from './model/contract.js'
export { exportModel, type LayerModelOptions, layerModel, TOLERANCE } from './model/layer-model.js'
export { CONTRACT_KEY, readModelContract } from './model/read-contract.js'
export * from './traffic/index.js'
export { IR_VERSION, OPSET_VERSION, PRODUCER_NAME, PRODUCER_VERSION } from './versions.js'
