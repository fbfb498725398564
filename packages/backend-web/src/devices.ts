import type { Availability, BackendName } from '@leaky/core'
import { resolveSpec } from '@leaky/core'
import { layerModel } from '@leaky/onnx'
import { createSession, RUNTIME } from './ort.js'

/** The onnxruntime-web execution providers leaky drives, one backend each. */
export type Device = 'wasm' | 'webgpu'

export const BACKEND_OF: Record<Device, BackendName> = {
  wasm: 'web-wasm',
  webgpu: 'web-webgpu',
}

export const WEBGPU_IN_NODE =
  "onnxruntime-web's WebGPU runs in a browser; in Node use node-webgpu (@leaky/backend-node)"

const NO_NAVIGATOR_GPU =
  'this browser has no WebGPU (navigator.gpu is missing): use a Chromium-based browser 113+ ' +
  '(on Linux start it with --enable-unsafe-webgpu), and serve the page from https:// or localhost'

const NO_ADAPTER =
  'the browser found no WebGPU adapter: update the GPU driver, or check chrome://gpu ' +
  '(Chromium on Linux without a GPU needs Vulkan: libvulkan1 and its SwiftShader driver)'

/** Session options that make a GPU session fail instead of silently running nodes on the CPU. */
export function providerOptions(device: Device) {
  return {
    executionProviders: [device],
    // Never on wasm sessions: wasm is the CPU EP itself.
    ...(device === 'wasm' ? {} : { extra: { session: { disable_cpu_ep_fallback: '1' } } }),
  }
}

const probes = new Map<Device, Promise<Availability>>()

/**
 * Whether a device works here, found by doing the real thing once: create a session of the LI step
 * graph on it. Every failure becomes a reason a person can act on; nothing throws.
 */
export function probe(device: Device): Promise<Availability> {
  let result = probes.get(device)
  if (!result) {
    result = probeOnce(device)
    probes.set(device, result)
  }
  return result
}

type GpuNavigator = { gpu?: { requestAdapter(): Promise<unknown> } }

async function probeOnce(device: Device): Promise<Availability> {
  if (device === 'webgpu') {
    if (RUNTIME === 'node') return { ok: false, reason: WEBGPU_IN_NODE }
    const gpu = (globalThis as { navigator?: GpuNavigator }).navigator?.gpu
    if (!gpu) return { ok: false, reason: NO_NAVIGATOR_GPU }
    try {
      if (!(await gpu.requestAdapter())) return { ok: false, reason: NO_ADAPTER }
    } catch (error) {
      return { ok: false, reason: `${NO_ADAPTER} (requestAdapter: ${firstLine(error)})` }
    }
  }
  try {
    const { bytes } = layerModel(resolveSpec({ neurons: 4 }), { graph: 'step' })
    const session = await createSession(bytes, {
      ...providerOptions(device),
      logSeverityLevel: 4,
    })
    await session.release()
    return { ok: true }
  } catch (error) {
    if (device === 'webgpu') {
      return { ok: false, reason: `onnxruntime-web could not start its WebGPU EP: ${firstLine(error)}` }
    }
    return {
      ok: false,
      reason:
        `onnxruntime-web could not start its wasm runtime: ${firstLine(error)}. In a browser, serve ` +
        "onnxruntime-web's .wasm/.mjs files and call configureWasmPaths(url) (see @leaky/backend-web's README)",
    }
  }
}

function firstLine(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      .trim()
      .split('\n')[0] ?? ''
  )
}
