import { type BackendName, registeredBackends } from '@leaky/core'
import { UsageError } from './usage.js'

/**
 * Backend packages the CLI loads: importing one registers its backends with @leaky/core (the js
 * backend comes with core). A package that is not installed, or fails to load (no native binary for
 * this platform), is simply not registered; `leaky backends` then lists only what registered.
 * The specifiers are variables so the bundler leaves them as runtime imports.
 */
const BACKEND_PACKAGES: readonly string[] = [
  '@leaky/backend-node', // node-cpu, node-webgpu, node-cuda
  '@leaky/backend-web', // web-wasm (web-webgpu needs a browser: listed with its reason)
  '@leaky/wasm-simd', // wasm-simd: leaky's own fused WebAssembly SIMD kernels
]

/**
 * More backend packages to load, from `LEAKY_BACKENDS` (comma-separated package names or paths):
 * how a third-party backend joins the CLI without an edit to leaky.
 */
function extraPackages(): string[] {
  return (process.env.LEAKY_BACKENDS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}

/** Why each package that failed to load did not load (for --debug and `leaky backends`). */
export const packageProblems = new Map<string, string>()

let loaded: Promise<BackendName[]> | undefined

export async function importBackendPackage(specifier: string): Promise<boolean> {
  try {
    await import(specifier)
    return true
  } catch (error) {
    packageProblems.set(
      specifier,
      error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
    )
    return false
  }
}

/** Every backend the CLI can run: imports the backend packages once, then lists what registered. */
export async function loadBackends(
  packages: readonly string[] = [...BACKEND_PACKAGES, ...extraPackages()],
): Promise<BackendName[]> {
  loaded ??= Promise.all(packages.map(importBackendPackage)).then(() => registeredBackends())
  return loaded
}

/** `--backend a,b` or `all` → names, checked against what is registered. */
export async function parseBackendList(value: string | undefined, usage: string): Promise<BackendName[]> {
  const registered = await loadBackends()
  if (value === undefined || value === 'all') return registered
  const names = value.split(',').map((n) => n.trim())
  for (const name of names) {
    if (!registered.includes(name)) {
      throw new UsageError(`unknown backend "${name}" (known: ${registered.join(', ')}, all)`, usage)
    }
  }
  return names
}
