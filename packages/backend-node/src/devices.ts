import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, delimiter, dirname, join } from 'node:path'
import type { Availability, BackendName } from '@leaky/core'
import { probeOnce, providerOptions as sharedProviderOptions, trySession } from '@leaky/onnx/runtime'
import { runtime } from './ort.js'

/** The onnxruntime-node execution providers leaky drives, one backend each. */
export type Device = 'cpu' | 'webgpu' | 'cuda'

export const BACKEND_OF: Record<Device, BackendName> = {
  cpu: 'node-cpu',
  webgpu: 'node-webgpu',
  cuda: 'node-cuda',
}

/** onnxruntime-node's native folder: where the optional CUDA provider libraries land. */
function nativeDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json')
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch)
}

const CUDA_HOW =
  "onnxruntime-node's CUDA provider libraries are downloaded by its install script, which did not fetch them here " +
  '(ONNXRUNTIME_NODE_INSTALL=skip, pnpm not allowing the script to run, or a failed download). ' +
  'To enable node-cuda: install CUDA 12 and cuDNN 9, then run ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` in your project ' +
  '(or `node node_modules/onnxruntime-node/script/install.js` with that variable set)'

const WEBGPU_HOW =
  'onnxruntime-node found no WebGPU adapter. With a GPU, install its Vulkan driver; on Linux without one, ' +
  "install Debian's chromium and libvulkan1 and start Node with " +
  'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (a software GPU: correct, not fast)'

/**
 * Whether the only Vulkan drivers this process may load are software ones (SwiftShader, lavapipe):
 * the loader's list (VK_DRIVER_FILES, else VK_ICD_FILENAMES) names nothing else. Dawn then has no
 * hardware adapter, and node-webgpu is a GPU emulated on the CPU: correct, and slower than node-cpu.
 */
export function softwareVulkanOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  const list = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES
  if (!list) return false
  const files = list.split(delimiter).filter((f) => f !== '')
  return files.length > 0 && files.every((f) => /swiftshader|lvp_icd|lavapipe/i.test(basename(f)))
}

/** Session options that make a GPU session fail instead of silently running nodes on the CPU. */
export function providerOptions(device: Device) {
  return sharedProviderOptions(device, device === 'cpu' ? 'cpu' : 'gpu')
}

/**
 * Whether a device works here, found by doing the real thing once: create a session of the LI step
 * graph on it. Every failure becomes a reason a person can act on; nothing throws.
 */
export const probe: (device: Device) => Promise<Availability> = probeOnce(probeDevice)

async function probeDevice(device: Device): Promise<Availability> {
  if (device === 'cuda') {
    let dir: string
    try {
      dir = nativeDir()
    } catch (error) {
      return { ok: false, reason: `onnxruntime-node is not installed: ${(error as Error).message}` }
    }
    if (
      !existsSync(join(dir, 'libonnxruntime_providers_cuda.so')) &&
      !existsSync(join(dir, 'onnxruntime_providers_cuda.dll'))
    ) {
      return { ok: false, reason: `the CUDA execution provider is not installed: ${CUDA_HOW}` }
    }
  }
  const session = () => trySession(runtime, providerOptions(device))
  const message = await (device === 'webgpu' ? withoutWaylandNoise(session) : session())
  if (message === undefined) return { ok: true }
  if (device === 'webgpu') return { ok: false, reason: `${WEBGPU_HOW} (onnxruntime: ${message})` }
  if (device === 'cuda')
    return { ok: false, reason: `the CUDA execution provider failed to start: ${message}. ${CUDA_HOW}` }
  return { ok: false, reason: `onnxruntime-node could not create a CPU session: ${message}` }
}

/** A WAYLAND_DISPLAY that names no socket: libwayland then fails to connect without a word. */
const NO_WAYLAND = '/nonexistent/leaky-no-wayland-display'

/**
 * The webgpu probe starts Dawn, once per process, and Dawn's Vulkan asks libwayland for a display.
 * Without an absolute XDG_RUNTIME_DIR, libwayland writes "error: XDG_RUNTIME_DIR is invalid or not set
 * in the environment." to stderr from native code (twice), then fails. Exactly there, where it fails
 * anyway, WAYLAND_DISPLAY names an absolute path of no socket for the probe's duration: it fails
 * silently instead. Any other environment is left as it is; the variable is restored afterwards.
 */
async function withoutWaylandNoise<T>(work: () => Promise<T>): Promise<T> {
  const env = process.env
  const display = env.WAYLAND_DISPLAY
  if (env.XDG_RUNTIME_DIR?.startsWith('/') || display?.startsWith('/')) return work()
  env.WAYLAND_DISPLAY = NO_WAYLAND
  try {
    return await work()
  } finally {
    if (display === undefined) delete env.WAYLAND_DISPLAY
    else env.WAYLAND_DISPLAY = display
  }
}
