import { BackendUnavailableError, UnsupportedError } from '../errors/errors.js'
import { BACKEND_NAMES, type Backend, type BackendName, isBackendName } from './types.js'

/**
 * The backend registry, after onnxruntime's js/common backend-impl.ts: backends register a factory
 * with a priority; resolving tries them in order, remembers one that failed to start, and when none
 * works throws one error that lists every backend's reason.
 */
export type BackendFactory = () => Backend | Promise<Backend>

interface Entry {
  readonly factory: BackendFactory
  readonly priority: number
  /** Started once; a failure to start is kept, so it is reported, not retried on every call. */
  started?: Promise<Backend>
}

const registry = new Map<BackendName, Entry>()

export function registerBackend(name: BackendName, factory: BackendFactory, priority = 0): void {
  if (!isBackendName(name)) {
    throw new UnsupportedError(
      `unknown backend name "${name}"; leaky's backends are ${BACKEND_NAMES.join(', ')}`,
    )
  }
  const existing = registry.get(name)
  // Same rule as onnxruntime: re-registering only takes effect with a higher or equal priority.
  if (existing && existing.priority > priority) return
  registry.set(name, { factory, priority })
}

/** Registered backend names, highest priority first. */
export function registeredBackends(): BackendName[] {
  return [...registry.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name)
}

async function start(name: BackendName): Promise<Backend> {
  const entry = registry.get(name)
  if (!entry) {
    throw new BackendUnavailableError(
      `backend "${name}" is not registered; import its package (registered: ${registeredBackends().join(', ') || 'none'})`,
      [{ backend: name, reason: 'not registered' }],
    )
  }
  entry.started ??= Promise.resolve().then(entry.factory)
  return entry.started
}

/** Why `name` cannot be used here, or undefined if it can. Never throws. */
export async function whyUnavailable(name: BackendName): Promise<string | undefined> {
  try {
    const availability = await (await start(name)).available()
    return availability.ok ? undefined : availability.reason
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** The backend called `name`; a BackendUnavailableError with the reason if it cannot run here. */
export async function getBackend(name: string): Promise<Backend> {
  if (!isBackendName(name)) {
    throw new UnsupportedError(`unknown backend "${name}"; choose one of ${BACKEND_NAMES.join(', ')} or auto`)
  }
  const reason = await whyUnavailable(name)
  if (reason !== undefined) {
    throw new BackendUnavailableError(`backend ${name} is not available: ${reason}`, [
      { backend: name, reason },
    ])
  }
  return start(name)
}

export interface SelectOptions {
  /**
   * Backend names to try in this order, or 'auto' (the default): every registered backend, in the
   * order the auto ranker gives (the priority order unless a ranker is installed).
   */
  readonly prefer?: readonly string[] | 'auto'
  /** What the layer will do; lets 'auto' pick the fastest backend for this size. */
  readonly workload?: Workload
}

/** The work a layer will do, for `auto` selection. */
export interface Workload {
  readonly neurons: number
  readonly steps: number
  readonly batch?: number
  readonly inputs?: number
  readonly weighted?: boolean
  /** 'sequence': one run() over all steps; 'step': one step() per time step. */
  readonly mode?: 'sequence' | 'step'
}

/** Orders candidate backends for a workload, fastest first (installed by the calibration of `leaky bench`). */
export type AutoRanker = (
  candidates: readonly BackendName[],
  workload: Workload | undefined,
) => readonly BackendName[]

let autoRanker: AutoRanker | undefined

export function setAutoRanker(ranker: AutoRanker | undefined): void {
  autoRanker = ranker
}

/** The first available backend of the preference list; one error listing every reason if none is. */
export async function selectBackend(options: SelectOptions = {}): Promise<Backend> {
  const prefer = options.prefer ?? 'auto'
  let order: BackendName[]
  if (prefer === 'auto') {
    order = registeredBackends()
    if (autoRanker) order = [...autoRanker(order, options.workload)]
  } else {
    order = prefer.map((name) => {
      if (!isBackendName(name)) {
        throw new UnsupportedError(`unknown backend "${name}"; choose from ${BACKEND_NAMES.join(', ')}`)
      }
      return name
    })
  }
  const reasons: { backend: string; reason: string }[] = []
  for (const name of order) {
    const reason = await whyUnavailable(name)
    if (reason === undefined) return start(name)
    reasons.push({ backend: name, reason })
  }
  throw new BackendUnavailableError(
    `no backend is available: ${reasons.map((r) => `${r.backend}: ${r.reason}`).join('; ') || 'none registered'}`,
    reasons,
  )
}

/** For tests: forget every registration. */
export function resetRegistry(): void {
  registry.clear()
  autoRanker = undefined
}
