import { backendFor } from '@leaky/core/backend'
import { loadGoldenFiles } from '@leaky/core/conformance/node'
import { describeConformance } from '@leaky/core/conformance/vitest'
import { webBackends } from '../src/index.js'

// The kit's layers are small, so by default web-wasm steps them with core's JS loop and runs their
// sequences on the chunked graph. These limits force the session engines instead: the step graph
// for every step, and the exact Scan graph for every sequence.
const sessionsOnly = webBackends.declaration('web-wasm', { limits: { jsStepMaxWork: 0, chunkedMaxWork: 0 } })

await describeConformance('web-wasm conformance, step and Scan sessions (Node)', {
  backend: async () => backendFor(sessionsOnly),
  golden: loadGoldenFiles(),
  numRuns: 30,
})
