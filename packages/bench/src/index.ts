export { type CLimit, type CLimitProbe, compileCLimit, measureCLimit } from './c-limit.js'
export { NORSE_MACHINE, type NorseFigure, norseFigures } from './norse.js'
export { type MeasureOptions, measure, type Timing } from './timing.js'
export { findWorkload, inputShape, makeWorkload, neuronSteps, WORKLOADS, type Workload } from './workloads.js'
