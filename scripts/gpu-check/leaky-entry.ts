// `leaky` for the GPU check: the CLI with @leaky/backend-node imported up front, so one bundle holds
// one copy of @leaky/core (its registry) and the CLI's own runtime import of the package is not needed.
import '@leaky/backend-node'
import '../../apps/cli/src/bin.js'
