import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { ENGINE_LIMITS, webWasmBackend } from '../src/index.js'

// The kit's layers are small, so by default web-wasm steps them with core's JS loop and runs their
// sequences on the chunked graph. This file (its own process) forces the session engines instead:
// the step graph for every step, and the exact Scan graph for every sequence.
ENGINE_LIMITS.jsStepMaxWork = 0
ENGINE_LIMITS.chunkedMaxWork = 0

await describeConformance('web-wasm conformance, step and Scan sessions (Node)', {
  backend: async () => webWasmBackend,
  golden: loadGoldenFiles(),
  numRuns: 30,
})
