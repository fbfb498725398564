import { type BackendName, isBackendName, registeredBackends } from '@leaky/core'
import { UsageError } from './usage.js'

/**
 * Every backend the CLI can run. Importing a backend package registers it; the js backend comes
 * with @leaky/core. Backend packages join this list as they land.
 */
export async function loadBackends(): Promise<BackendName[]> {
  return registeredBackends()
}

/** `--backend a,b` or `all` → names, checked against what is registered. */
export async function parseBackendList(value: string | undefined, usage: string): Promise<BackendName[]> {
  const registered = await loadBackends()
  if (value === undefined || value === 'all') return registered
  const names = value.split(',').map((n) => n.trim())
  for (const name of names) {
    if (!isBackendName(name) || !registered.includes(name)) {
      throw new UsageError(`unknown backend "${name}" (known: ${registered.join(', ')}, all)`, usage)
    }
  }
  return names as BackendName[]
}
