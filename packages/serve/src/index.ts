/**
 * @leaky/serve: leaky layers behind the KServe v2 protocol (the one Triton Inference Server speaks),
 * with stateful streams batched across callers, and the Triton model repository for the same layer.
 */
export { RequestError } from './protocol/errors.js'
export type { LeakyServer, ServerOptions } from './server.js'
export { createServer } from './server.js'
export type { BatchingOptions, ModelStats } from './streams/served-model.js'
export {
  type TritonOptions,
  type TritonRepository,
  tritonRepository,
  writeTritonRepository,
} from './triton/model-repository.js'
