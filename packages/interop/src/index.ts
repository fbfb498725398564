/**
 * @leaky/interop, on bytes (browsers and Node): NumPy .npy (whole files, and time-slices streamed from
 * a ByteSource); NIR .nir documents (HDF5 via h5wasm), their summary, and the mapping onto leaky
 * models (chains of leaky-integrator layers, run with runModel). Files on disk and the HDF5 worker
 * that guards against damaged files: @leaky/interop/node.
 */
export type { WriteOptions as NirWriteOptions } from './hdf5/h5wasm.js'
export { simulateBox } from './model/box.js'
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
export { formatHeader as npyHeader, type NpyDType, type NpyHeader } from './npy/header.js'
export { type BytesLike, type NpyArray, npyData, readNpy, writeNpy } from './npy/npy.js'
export { type ByteSource, blobSource, memorySource, type NpyStream, openNpy } from './npy/stream.js'
