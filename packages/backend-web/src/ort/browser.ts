// Browsers: the WebGPU build, which runs both the 'webgpu' and the 'wasm' execution providers.
import * as ort from 'onnxruntime-web/webgpu'

export { ort }
export const RUNTIME: 'node' | 'browser' = 'browser'
