import { loadGoldenFiles } from '../conformance/node.js'
import { describeConformance } from '../conformance/vitest.js'
import { jsBackend } from './js-backend.js'

await describeConformance('js backend conformance', {
  backend: async () => jsBackend,
  golden: loadGoldenFiles(),
})
