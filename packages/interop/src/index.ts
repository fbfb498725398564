export type { NpyDType, NpyHeader } from './npy/header.js'
export { type NpyArray, readNpy, writeNpy } from './npy/npy.js'
export { type ByteSource, memorySource, type NpyStream, openNpy } from './npy/stream.js'
