import { registerNodeBackends } from './backends.js'

export {
  nodeCpuBackend,
  nodeCpuDeclaration,
  nodeCudaBackend,
  nodeCudaDeclaration,
  nodeWebgpuBackend,
  nodeWebgpuDeclaration,
  registerNodeBackends,
} from './backends.js'
export { checkModel } from './check-model.js'
export { type Device, probe } from './devices.js'
export { ENGINE_LIMITS, liveSessionCount, NodeLayer, sessionFor } from './layer.js'

// Importing the package makes its backends selectable, as onnxruntime's backends register themselves.
registerNodeBackends()
