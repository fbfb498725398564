/**
 * @leaky/webgpu-wgsl: leaky's own fused WGSL kernels for the LI layer, on WebGPU in browsers
 * (navigator.gpu) and in Node (Dawn, the webgpu package). Backend name `webgpu-wgsl`, device 'webgpu'.
 */
import { registerWebgpuWgslBackend } from './declaration.js'

export { registerWebgpuWgslBackend, webgpuWgslBackend, webgpuWgslDeclaration } from './declaration.js'
export { LI_KERNEL, MATMUL_KERNEL } from './kernels.js'
export { type GpuState, WGSL_BACKEND, WgslLayer } from './layer.js'

// Importing the package makes webgpu-wgsl selectable, as the other backend packages do.
registerWebgpuWgslBackend()
