export {
  bestCFigure,
  C_REFERENCES,
  type CLimit,
  type CLimitProbe,
  type CReference,
  type CReferenceName,
  type CReferences,
  compileCLimit,
  describeCReferences,
  measureCLimit,
  measureCReferences,
} from './c-limit.js'
export { NORSE_MACHINE, type NorseFigure, norseFigures } from './norse.js'
export { type MeasureOptions, measure, type Timing } from './timing.js'
export {
  findWorkload,
  inputShape,
  makeWorkload,
  neuronSteps,
  WORKLOADS,
  type Workload,
  workloadsNamed,
} from './workloads.js'
