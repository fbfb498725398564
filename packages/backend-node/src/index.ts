import { registerNodeBackends } from './declarations.js'

export type { OrtLayer as NodeLayer } from '@leaky/onnx/runtime'
export { checkModel } from './check-model.js'
export {
  NODE_LIMITS,
  nodeBackends,
  nodeCpuBackend,
  nodeCpuDeclaration,
  nodeCudaBackend,
  nodeCudaDeclaration,
  nodeWebgpuBackend,
  nodeWebgpuDeclaration,
  registerNodeBackends,
} from './declarations.js'
export { type Device, probe } from './devices.js'

// Importing the package makes its backends selectable, as onnxruntime's backends register themselves.
registerNodeBackends()
