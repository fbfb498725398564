/**
 * @leaky/core/backend: what a backend package needs to declare a backend and build its layers on
 * the same checks every backend shares. Users never need this entry.
 */
export { costModelRanker } from './backend/auto.js'
export { BaseLayer, type StartState } from './backend/base-layer.js'
export { checkCostFigures, costs } from './backend/costs.js'
export { type AutoRanker, backendFor, registerBackend, setAutoRanker } from './backend/registry.js'
export { BACKEND_NAME_PATTERN, type BackendDeclaration } from './backend/types.js'
export { jsDeclaration } from './js-backend/js-backend.js'
export { checkCapacity } from './layer/capacity.js'
export {
  checkNeurons,
  checkSequence,
  checkState,
  checkStepInput,
  stateShape,
} from './layer/spec.js'
export { advance, checkOutput, simulateChecked } from './math/li.js'
export {
  type Coefficients,
  checkDt,
  coefficients,
  resolveParameters,
} from './parameters/parameters.js'
export { assertTensor, cloneTensor } from './tensor/tensor.js'
