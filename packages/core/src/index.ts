export {
  activeCalibration,
  type BackendCost,
  BUILT_IN_COSTS,
  type Calibration,
  type CostFigures,
  costModelRanker,
  describeWorkload,
  type Estimate,
  estimate,
  explainSelection,
  parseCalibration,
  rankBackends,
  useCalibration,
} from './backend/auto.js'
export { BaseLayer, type StartState } from './backend/base-layer.js'
export {
  type AutoRanker,
  type BackendFactory,
  createLayer,
  getBackend,
  registerBackend,
  registeredBackends,
  resetRegistry,
  type SelectOptions,
  type Skipped,
  selectBackend,
  setAutoRanker,
  type Workload,
  whyUnavailable,
} from './backend/registry.js'
export {
  type Availability,
  BACKEND_NAMES,
  type Backend,
  type BackendName,
  isBackendName,
  type Layer,
  type LayerStepResult,
  type StateHandle,
  type Tolerance,
} from './backend/types.js'
export * from './errors/errors.js'
export { jsBackend, registerJsBackend } from './js-backend/js-backend.js'
export { checkCapacity, MAX_ARRAY_ELEMENTS, memoryBudget, setMemoryBudget } from './layer/capacity.js'
export {
  checkNeurons,
  checkSequence,
  checkState,
  checkStepInput,
  type LayerSpec,
  type LIState,
  type NeuronKind,
  type ResolvedLayerSpec,
  resolveSpec,
  stateShape,
} from './layer/spec.js'
export {
  advance,
  checkOutput,
  initialState,
  liFeedForwardStep,
  liStep,
  type RunOptions,
  type RunResult,
  type StepResult,
  simulate,
  simulateChecked,
} from './math/li.js'
export {
  BIO_DEFAULTS,
  type Coefficients,
  checkDt,
  coefficients,
  DEFAULT_DT,
  type LeakyWarning,
  type LIParameters,
  NORSE_DEFAULTS,
  type ParameterValue,
  resolveParameters,
  type WarningHandler,
} from './parameters/parameters.js'
export { mulberry32 } from './random/mulberry32.js'
export { relativeError } from './tensor/compare.js'
export {
  assertTensor,
  cloneTensor,
  formatShape,
  type Shape,
  sameShape,
  sizeOf,
  type Tensor,
  tensor,
  zeros,
} from './tensor/tensor.js'

import { useCalibration } from './backend/auto.js'
import { registerJsBackend } from './js-backend/js-backend.js'

// Importing core makes the js backend selectable, as importing a backend package registers its own,
// and makes `auto` rank by the built-in cost model until a calibration is installed.
registerJsBackend()
useCalibration(undefined)
