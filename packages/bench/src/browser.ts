/**
 * The browser-safe part of the benchmarks: workload definitions and the timing harness, without the
 * C limit (child_process, fs) or Norse's figures. `@leaky/bench/browser` — apps/web imports it.
 */
export { type MeasureOptions, measure, type Timing } from './timing.js'
export { findWorkload, inputShape, makeWorkload, neuronSteps, WORKLOADS, type Workload } from './workloads.js'
