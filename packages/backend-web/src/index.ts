import { registerWebBackends } from './backends.js'

export {
  registerWebBackends,
  webWasmBackend,
  webWasmDeclaration,
  webWebgpuBackend,
  webWebgpuDeclaration,
} from './backends.js'
export { configureWasm, configureWasmPaths, runtimeInfo, type WasmOptions } from './configure.js'
export { type Device, probe, WEBGPU_IN_NODE } from './devices.js'
export { ENGINE_LIMITS, liveSessionCount, WebLayer } from './layer.js'

// Importing the package makes its backends selectable, as onnxruntime's backends register themselves.
registerWebBackends()
