export { wasmSimdBackend, wasmSimdDeclaration } from './declaration.js'
export { type Engine, getEngine, getSharedEngine } from './engine.js'
export type { WasmSimdLayer } from './layer.js'
