// NumPy .npy: whole files from bytes, and time-slices streamed from any ByteSource.

// NIR (.nir, HDF5 via h5wasm): documents, their summary, and the mapping onto leaky models.
export type { WriteOptions as NirWriteOptions } from './hdf5/h5wasm.js'
export { simulateBox } from './model/box.js'
// Models: chains of leaky-integrator layers, run on the pure-TS math.
export { type LeakyModel, type ModelLayer, type NeuronModel, runModel, toLayerSpec } from './model/model.js'
export { modelToNir, NIR_VERSION, type NirReadOptions, nirToModel } from './nir/convert.js'
export type { NirArray, NirDocument, NirGraph, NirNode } from './nir/graph.js'
export {
  inspectNir,
  isSupportedType,
  type NirNodeSummary,
  type NirSummary,
  SUPPORTED_NIR_TYPES,
} from './nir/inspect.js'
export { readNir, writeNir } from './nir/io.js'
export type { NpyDType, NpyHeader } from './npy/header.js'
export { type BytesLike, type NpyArray, readNpy, writeNpy } from './npy/npy.js'
export { type ByteSource, memorySource, type NpyStream, openNpy } from './npy/stream.js'
