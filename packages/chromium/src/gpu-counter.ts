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

/** What the GPU soak needs of a layer: steps with disposable handles, and its live GPU states. */
interface SoakLayer<H extends SoakHandle> {
  readonly liveGpuStates: number
  step(x: { data: Float32Array; shape: readonly number[] }, state?: H): Promise<{ state: H }>
  dispose(): Promise<void>
}

interface SoakHandle {
  read(): Promise<{ v: { data: Float32Array } }>
  dispose(): void
}

/**
 * `steps` step() calls on one layer, each disposing the previous handle (as core's soak does),
 * sampling the GPU buffers after a tenth (warm-up) and at the end; then the layer is disposed and
 * sampled once more. The layer is the soak's: it disposes it.
 */
export async function gpuStepSoak<H extends SoakHandle>(
  layer: SoakLayer<H>,
  gpu: GpuBufferStats,
  steps: number,
  neurons: number,
) {
  const x = { data: new Float32Array(neurons).fill(0.25), shape: [neurons] }
  let state: H | undefined
  let before = { ...gpu }
  let liveStatesBefore = 0
  const t0 = performance.now()
  for (let t = 0; t < steps; t++) {
    if (t === Math.floor(steps / 10)) {
      before = { ...gpu }
      liveStatesBefore = layer.liveGpuStates
    }
    const next = await layer.step(x, state)
    state?.dispose()
    state = next.state
  }
  const ms = performance.now() - t0
  const after = { ...gpu }
  const liveStatesAfter = layer.liveGpuStates
  const last = await state?.read()
  await layer.dispose()
  return { before, after, liveStatesBefore, liveStatesAfter, ms, v0: last?.v.data[0], disposed: { ...gpu } }
}
