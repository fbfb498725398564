import { registerWasmSimdBackend } from './declaration.js'

export { registerWasmSimdBackend, wasmSimdBackend, wasmSimdDeclaration } from './declaration.js'
export { type Engine, getEngine, getSharedEngine } from './engine.js'
export type { WasmSimdLayer } from './layer.js'

// Importing the package makes wasm-simd selectable, as the other backend packages do.
registerWasmSimdBackend()
