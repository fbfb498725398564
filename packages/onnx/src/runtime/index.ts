/**
 * @leaky/onnx/runtime: the LI layer on onnxruntime, runtime-agnostic. A backend package injects its
 * onnxruntime build (OrtRuntime) and per-device choices (DevicePolicy); the layer, the session pool
 * and the backend factory are shared. Types only from onnxruntime-common: no runtime is imported.
 */
export { firstLine, probeOnce, trySession } from './backend.js'
export { OrtLayer, type OrtState } from './layer.js'
export {
  type DevicePolicy,
  type EngineLimits,
  type OrtRuntime,
  type OrtSession,
  type OrtTensor,
  providerOptions,
  type SessionOptions,
} from './runtime.js'
export { fingerprint, SessionPool, type SessionRequest, sessionOptions } from './sessions.js'
