import { registerWebBackends } from './declarations.js'

export type { OrtLayer as WebLayer } from '@leaky/onnx/runtime'
export { configureWasm, configureWasmPaths, runtimeInfo, type WasmOptions } from './configure.js'
export {
  registerWebBackends,
  WEB_LIMITS,
  webBackends,
  webWasmBackend,
  webWasmDeclaration,
  webWebgpuBackend,
  webWebgpuDeclaration,
} from './declarations.js'
export { type Device, probe, WEBGPU_IN_NODE } from './devices.js'

// Importing the package makes its backends selectable, as onnxruntime's backends register themselves.
registerWebBackends()
