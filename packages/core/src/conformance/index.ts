/**
 * The conformance kit every backend runs: golden replay (any file in the golden format), properties
 * and bad-input checks. Browser-safe; Node file loading lives in `@leaky/core/conformance/node`, the
 * vitest wrapper in `@leaky/core/conformance/vitest`.
 */
export { mulberry32 } from '../random/mulberry32.js'
export { relativeError } from '../tensor/compare.js'
export { type BadInputRow, badInputTable } from './bad-input.js'
export { type Check, type ConformanceOptions, conformanceChecks } from './checks.js'
export { caseSpec, type GoldenCase, type GoldenFile, goldenError, parseGolden } from './golden.js'
export { growth, type MemorySample, type SoakOptions, type SoakReport, soak } from './soak.js'
export { runCase, stepCase, stepSequence, type VerifyMode, type VerifyRow, verifyBackend } from './verify.js'
