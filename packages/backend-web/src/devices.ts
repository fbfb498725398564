import type { Availability, BackendName } from '@leaky/core'
import {
  firstLine,
  probeOnce,
  providerOptions as sharedProviderOptions,
  trySession,
} from '@leaky/onnx/runtime'
import { RUNTIME, runtime } from './ort.js'

/** The onnxruntime-web execution providers leaky drives, one backend each. */
export type Device = 'wasm' | 'webgpu'

export const BACKEND_OF: Record<Device, BackendName> = {
  wasm: 'web-wasm',
  webgpu: 'web-webgpu',
}

/** Why web-webgpu is unavailable in Node (use node-webgpu from @leaky/backend-node there). */
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
  // Never on wasm sessions: wasm is the CPU EP itself.
  return sharedProviderOptions(device, device === 'wasm' ? 'cpu' : 'gpu')
}

/**
 * Whether a device works here, found by doing the real thing once: create a session of the LI step
 * graph on it. Every failure becomes a reason a person can act on; nothing throws.
 */
export const probe: (device: Device) => Promise<Availability> = probeOnce(probeDevice)

type GpuNavigator = { gpu?: { requestAdapter(): Promise<unknown> } }

async function probeDevice(device: Device): Promise<Availability> {
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
  const message = await trySession(runtime, providerOptions(device))
  if (message === undefined) return { ok: true }
  if (device === 'webgpu') {
    return { ok: false, reason: `onnxruntime-web could not start its WebGPU EP: ${message}` }
  }
  return {
    ok: false,
    reason:
      `onnxruntime-web could not start its wasm runtime: ${message}. In a browser, serve ` +
      "onnxruntime-web's .wasm/.mjs files and call configureWasmPaths(url) (see @leaky/backend-web's README)",
  }
}
