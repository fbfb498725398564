/**
 * Counts every GPUBuffer made and destroyed in the page, by wrapping the WebGPU prototypes. Installed
 * before any device is made (onnxruntime-web's cannot be handed one of ours). Page code: the browser
 * tests of backend-web and webgpu-wgsl bundle it into their test pages.
 */
export interface GpuBufferStats {
  created: number
  destroyed: number
  live: number
  bytesLive: number
  peakBytes: number
}

export function installGpuBufferCounter(): GpuBufferStats {
  const stats: GpuBufferStats = { created: 0, destroyed: 0, live: 0, bytesLive: 0, peakBytes: 0 }
  const g = globalThis as unknown as {
    GPUDevice?: { prototype: { createBuffer(desc: { size: number }): object } }
    GPUBuffer?: { prototype: { destroy(): void } }
  }
  if (!g.GPUDevice || !g.GPUBuffer) return stats
  const sizes = new WeakMap<object, number>()
  const device = g.GPUDevice.prototype
  const create = device.createBuffer
  device.createBuffer = function (desc) {
    const buffer = create.call(this, desc)
    sizes.set(buffer, desc.size)
    stats.created++
    stats.live++
    stats.bytesLive += desc.size
    stats.peakBytes = Math.max(stats.peakBytes, stats.bytesLive)
    return buffer
  }
  const buffer = g.GPUBuffer.prototype
  const destroy = buffer.destroy
  buffer.destroy = function () {
    const size = sizes.get(this)
    if (size !== undefined) {
      sizes.delete(this)
      stats.destroyed++
      stats.live--
      stats.bytesLive -= size
    }
    return destroy.call(this)
  }
  return stats
}
