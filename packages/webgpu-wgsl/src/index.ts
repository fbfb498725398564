/**
 * @leaky/webgpu-wgsl: leaky's own fused WGSL kernels for the LI layer, on WebGPU in browsers
 * (navigator.gpu) and in Node (Dawn, the webgpu package). Backend name `webgpu-wgsl`, device 'webgpu'.
 */
export { webgpuWgslBackend, webgpuWgslDeclaration } from './declaration.js'
export { LI_KERNEL, MATMUL_KERNEL } from './kernels.js'
export { type GpuState, WGSL_BACKEND, WgslLayer } from './layer.js'
