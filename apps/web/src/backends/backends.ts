import { type BackendName, registeredBackends, whyUnavailable } from '@leaky/core'

/** The backends a browser can run, in the order the picker shows them. */
export const WEB_BACKENDS: readonly BackendName[] = ['js', 'web-wasm', 'web-webgpu']

/** The package that brings each backend that does not come with @leaky/core. */
const PACKAGE_OF: Partial<Record<BackendName, string>> = {
  'web-wasm': '@leaky/backend-web',
  'web-webgpu': '@leaky/backend-web',
}

/**
 * Registers every backend package this app ships; the js backend registers itself when
 * @leaky/core is imported. Adding a backend is one import here and one dependency in package.json.
 */
export async function loadBackends(): Promise<void> {
  // A dynamic import keeps onnxruntime-web out of the first paint. Its wasm runtime is served from
  // this origin under ort/ (vite.config.ts: serveOrtFiles()), never from a CDN.
  try {
    const web = await import('@leaky/backend-web')
    web.configureWasmPaths(new URL(`${import.meta.env.BASE_URL}ort/`, window.location.href))
  } catch (error) {
    // The picker then shows web-wasm and web-webgpu as not in this build, with the js backend working.
    console.warn(`@leaky/backend-web did not load: ${error instanceof Error ? error.message : error}`)
  }
}

export interface BackendStatus {
  readonly name: BackendName
  /** Why it cannot run here; undefined when it can. */
  readonly reason: string | undefined
}

/** Every browser backend and every registered one, each with its availability. Never throws. */
export async function backendStatuses(): Promise<BackendStatus[]> {
  const registered = registeredBackends()
  const names = [...new Set<BackendName>([...WEB_BACKENDS, ...registered])]
  return Promise.all(
    names.map(async (name) => {
      if (!registered.includes(name)) {
        const pkg = PACKAGE_OF[name]
        return {
          name,
          reason: pkg ? `not in this build: needs ${pkg}, which is not installed yet` : 'not registered',
        }
      }
      return { name, reason: await whyUnavailable(name) }
    }),
  )
}

export function availableBackends(statuses: readonly BackendStatus[]): BackendName[] {
  return statuses.filter((s) => s.reason === undefined).map((s) => s.name)
}
