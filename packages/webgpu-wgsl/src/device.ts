/**
 * The WebGPU device: navigator.gpu in a browser; in Node, Dawn through the `webgpu` package. Dawn
 * can abort the whole process while it looks for a device (an earlier try did, in requestDevice),
 * so in Node a child process tries first and only a child that got a device lets this process
 * load Dawn. Every failure is a reason a person can act on, never a crash.
 */

export interface GpuContext {
  readonly device: GPUDevice
  /** What the adapter says it is, e.g. "google swiftshader (SwiftShader driver 5.0.0)". */
  readonly adapter: string
  /** Largest buffer one binding may cover, in bytes (the adapter's own limit, requested in full). */
  readonly maxBinding: number
  /** Set when the device is lost; every later call fails with it. */
  lost?: string
}

export type Acquired =
  | { readonly ok: true; readonly gpu: GpuContext }
  | { readonly ok: false; readonly reason: string }

const NODE_HINT =
  'Dawn (the webgpu package) needs a Vulkan driver: on a machine without a GPU, SwiftShader works with ' +
  'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json; on an NVIDIA machine set VK_DRIVER_FILES to its nvidia_icd.json'

type NodeProcess = {
  versions?: { node?: string }
  execPath: string
  env: Record<string, string | undefined>
  getBuiltinModule?: (id: string) => unknown
}

const nodeProcess = (): NodeProcess | undefined => {
  const p = (globalThis as { process?: NodeProcess }).process
  return p?.versions?.node ? p : undefined
}

/** The child's script: get a device, run nothing, print what the adapter is. */
const PROBE = `
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter();
if (!adapter) { console.log(JSON.stringify({ ok: false, reason: 'no WebGPU adapter' })); process.exit(0); }
const device = await adapter.requestDevice();
console.log(JSON.stringify({ ok: !!device, reason: device ? '' : 'requestDevice returned nothing' }));
device?.destroy();
process.exit(0);
`

type ChildProcess = {
  spawnSync(
    command: string,
    args: readonly string[],
    options: { encoding: 'utf8'; timeout: number; env: Record<string, string | undefined>; cwd: string },
  ): { status: number | null; signal: string | null; stdout: string; stderr: string; error?: Error }
}

/** Where `webgpu` resolves from: this module's folder (the package's own dependency). */
function moduleDir(): string {
  const url = new URL('.', import.meta.url)
  return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : '.'
}

function probeInChild(p: NodeProcess): string | undefined {
  const child = p.getBuiltinModule?.('node:child_process') as ChildProcess | undefined
  if (!child) return 'this Node has no process.getBuiltinModule (Node ≥ 20.16 needed)'
  const r = child.spawnSync(p.execPath, ['--input-type=module', '-e', PROBE], {
    encoding: 'utf8',
    timeout: 30_000,
    env: p.env,
    cwd: moduleDir(),
  })
  if (r.error) return `the Dawn probe did not start: ${r.error.message}`
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ')
    return `Dawn aborted while probing for a device (${r.signal ?? `exit ${r.status}`}${last ? `: ${last}` : ''}); ${NODE_HINT}`
  }
  try {
    const answer = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ok?: boolean; reason?: string }
    return answer.ok ? undefined : `${answer.reason ?? 'no device'}; ${NODE_HINT}`
  } catch {
    return `the Dawn probe printed no answer; ${NODE_HINT}`
  }
}

async function requestGpu(gpu: GPU, where: string): Promise<Acquired> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter) return { ok: false, reason: `no WebGPU adapter ${where}` }
  const limits = adapter.limits
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
  })
  const info = adapter.info
  const context: GpuContext = {
    device,
    adapter: [info?.vendor, info?.architecture, info?.description ? `(${info.description})` : '']
      .filter(Boolean)
      .join(' '),
    maxBinding: Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize),
  }
  void device.lost.then((lost) => {
    context.lost = `the WebGPU device was lost (${lost.reason}: ${lost.message})`
  })
  return { ok: true, gpu: context }
}

let dawnInstance: GPU | undefined

/** The module name kept in a variable, so browser bundlers leave Dawn out. */
const DAWN = 'webgpu'

let acquired: Promise<Acquired> | undefined

/** One device for the whole process / page; the first caller's answer is kept. */
export function acquireGpu(): Promise<Acquired> {
  acquired ??= acquire()
  return acquired
}

async function acquire(): Promise<Acquired> {
  try {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator
    if (nav?.gpu) return await requestGpu(nav.gpu, 'in this browser')
    const p = nodeProcess()
    if (!p) return { ok: false, reason: 'this JavaScript runtime has no WebGPU (navigator.gpu is missing)' }
    const childReason = p.env.LEAKY_DAWN_NO_PROBE ? undefined : probeInChild(p)
    if (childReason) return { ok: false, reason: childReason }
    const dawn = (await import(/* @vite-ignore */ DAWN)) as {
      create(flags: string[]): GPU
      globals: Record<string, unknown>
    }
    // GPUBufferUsage, GPUMapMode, … are globals in a browser; Dawn hands them over to install.
    for (const [key, value] of Object.entries(dawn.globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value
    }
    // Held for the life of the process: a collected Dawn instance takes its devices down with it.
    dawnInstance = dawn.create([])
    return await requestGpu(dawnInstance, `from Dawn; ${NODE_HINT}`)
  } catch (error) {
    return {
      ok: false,
      reason: `WebGPU failed to start: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
}
