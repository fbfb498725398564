/**
 * @leaky/onnx/runtime: the LI layer on onnxruntime, runtime-agnostic. A backend package calls
 * defineOrtBackends with its onnxruntime build and its devices (probes, engine limits, session
 * choices); the layer, the session pool and the engine plan are shared. Types only from
 * onnxruntime-common: no runtime is imported.
 */
export { firstLine, probeOnce, trySession } from './backend.js'
export {
  defineOrtBackends,
  type LayerOptions,
  type OrtBackends,
  type OrtBackendsConfig,
  type OrtDevice,
} from './define.js'
export { type OrtEngine, OrtLayer, type OrtState } from './layer.js'
export {
  type EngineLimits,
  MEASURED_LIMITS,
  type Plan,
  parallelErrorBound,
  plan,
  type SessionGraph,
  type SessionShape,
  stepChunkLengths,
  type Target,
  type Work,
} from './plan.js'
export {
  type DevicePolicy,
  type OrtRuntime,
  type OrtSession,
  type OrtTensor,
  providerOptions,
  type SessionOptions,
} from './runtime.js'
export { type ContentLease, type SessionLease, SessionPool, sessionOptions } from './sessions.js'
