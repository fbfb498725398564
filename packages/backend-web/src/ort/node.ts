// Node: onnxruntime-web's Node build (wasm only; its WebGPU EP needs a browser's navigator.gpu).
import * as ort from 'onnxruntime-web'

export { ort }
export const RUNTIME: 'node' | 'browser' = 'node'
