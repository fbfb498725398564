/**
 * @leaky/core: what users call. Backend authors import `@leaky/core/backend`; tests may use
 * `@leaky/core/testing` and the conformance kit `@leaky/core/conformance`.
 */
export {
  activeCalibration,
  builtInCosts,
  type Calibration,
  describeWorkload,
  type Estimate,
  estimate,
  explainSelection,
  parseCalibration,
  rankBackends,
  useCalibration,
} from './backend/auto.js'
export { type CallSeconds, fitCosts, type Measurement } from './backend/costs-fit.js'
export {
  createLayer,
  getBackend,
  registeredBackends,
  resolvePreference,
  type SelectOptions,
  type Skipped,
  selectBackend,
  type Workload,
  whyUnavailable,
} from './backend/registry.js'
export {
  type Availability,
  type Backend,
  type BackendCost,
  type BackendName,
  type CostFigures,
  DEVICE_ALIASES,
  DEVICES,
  type Device,
  type Layer,
  type LayerStepResult,
  type StateHandle,
  type Tolerance,
} from './backend/types.js'
export * from './errors/errors.js'
export { jsBackend } from './js-backend/js-backend.js'
export { MAX_ARRAY_ELEMENTS, memoryBudget, setMemoryBudget } from './layer/capacity.js'
export {
  type LayerSpec,
  type LIState,
  type NeuronKind,
  type ResolvedLayerSpec,
  resolveSpec,
} from './layer/spec.js'
export {
  initialState,
  liFeedForwardStep,
  liStep,
  type RunOptions,
  type RunResult,
  type StepResult,
  simulate,
} from './math/li.js'
export {
  BIO_DEFAULTS,
  DEFAULT_DT,
  type LeakyWarning,
  type LIParameters,
  NORSE_DEFAULTS,
  type ParameterValue,
  type WarningHandler,
} from './parameters/parameters.js'
export { mulberry32 } from './random/mulberry32.js'
export { relativeError } from './tensor/compare.js'
export { formatShape, type Shape, sameShape, sizeOf, type Tensor, tensor, zeros } from './tensor/tensor.js'

import { registerJsBackend } from './js-backend/js-backend.js'

// Importing core makes the js backend selectable, as importing a backend package registers its own.
registerJsBackend()
