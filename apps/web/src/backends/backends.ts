/// <reference types="vite/client" />
import { registeredBackends, whyUnavailable } from '@leaky/core'

/**
 * A package that brings backends. It is imported only when one of its backends is picked (or the
 * benchmark asks), never for the first paint: onnxruntime-web alone is 26.8 MB of wasm. `backends`
 * are the names it is known to register, so the picker can offer them before it loads; whatever
 * else it registers appears too, since the picker lists the registry.
 */
interface BackendPackage {
  readonly name: string
  readonly backends: readonly string[]
  load(): Promise<void>
}

const PACKAGES: readonly BackendPackage[] = [
  {
    name: '@leaky/backend-web',
    backends: ['web-wasm', 'web-webgpu'],
    async load() {
      const web = await import('@leaky/backend-web')
      // Its wasm runtime is served from this origin under ort/ (vite.config.ts), never from a CDN.
      web.configureWasmPaths(new URL(`${import.meta.env.BASE_URL}ort/`, window.location.href))
    },
  },
  {
    // leaky's own fused WebAssembly SIMD kernels: a small inline module, no runtime to fetch.
    name: '@leaky/wasm-simd',
    backends: ['wasm-simd'],
    async load() {
      await import('@leaky/wasm-simd')
    },
  },
]

/** Why a package could not be loaded, by package name; loads are tried once. */
const loadFailures = new Map<string, string>()
const loads = new Map<string, Promise<void>>()

function load(pkg: BackendPackage): Promise<void> {
  let pending = loads.get(pkg.name)
  if (!pending) {
    pending = pkg.load().catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error)
      loadFailures.set(pkg.name, `${pkg.name} did not load: ${why}`)
    })
    loads.set(pkg.name, pending)
  }
  return pending
}

const isLoaded = (pkg: BackendPackage) => loads.has(pkg.name)

/** Imports every backend package (the benchmark, a link naming an unknown backend). */
export async function loadAllBackends(): Promise<void> {
  await Promise.all(PACKAGES.map(load))
}

/** Imports the package that brings `name`, if one is known and not loaded yet. */
export async function loadBackend(name: string): Promise<void> {
  const pkg = PACKAGES.find((p) => p.backends.includes(name))
  if (pkg && !registeredBackends().includes(name as never)) await load(pkg)
}

export interface BackendStatus {
  readonly name: string
  /** false until its availability is known: its package (and runtime) load when it is picked. */
  readonly checked: boolean
  /** Why it cannot run here; undefined when it can (or is not checked yet). */
  readonly reason: string | undefined
}

/** Names in the order first shown, so the picker never reorders under the pointer as packages load. */
const shown: string[] = []

/** What the picker knows without loading anything: the registry, then packages not loaded yet. */
export function knownBackends(): string[] {
  const pending = PACKAGES.filter((p) => !isLoaded(p)).flatMap((p) => p.backends)
  for (const name of [...registeredBackends(), ...pending]) if (!shown.includes(name)) shown.push(name)
  const now = new Set<string>([...registeredBackends(), ...pending])
  return shown.filter((name) => now.has(name))
}

/** Whether `name` runs here, loading its package first. Never throws. */
export async function statusOf(name: string): Promise<BackendStatus> {
  await loadBackend(name)
  if (!registeredBackends().includes(name as never)) {
    const pkg = PACKAGES.find((p) => p.backends.includes(name))
    const failure = pkg && loadFailures.get(pkg.name)
    return { name, checked: true, reason: failure ?? 'no backend of this name is in this build' }
  }
  return { name, checked: true, reason: await whyUnavailable(name as never) }
}

/** The status of every known backend, checking only those in `check` (loaded packages, probes). */
export async function backendStatuses(check: (name: string) => boolean): Promise<BackendStatus[]> {
  return Promise.all(
    knownBackends().map((name) =>
      check(name) ? statusOf(name) : { name, checked: false, reason: undefined },
    ),
  )
}

/**
 * When WebGPU here is a software adapter (Chromium's SwiftShader without a GPU, say), a sentence
 * that says so; WebGPU backends then run on the CPU, slowly. undefined otherwise, or without WebGPU.
 */
export async function softwareWebgpuNote(): Promise<string | undefined> {
  type Adapter = { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean; description?: string } }
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu
  try {
    const adapter = await gpu?.requestAdapter()
    if (!adapter) return undefined
    const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter
    if (!fallback) return undefined
    return 'WebGPU here is a software adapter (isFallbackAdapter): WebGPU backends run on the CPU through it and are slow; their timings say nothing about a GPU.'
  } catch {
    return undefined
  }
}
