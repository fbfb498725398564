import { BackendUnavailableError, LeakyError, UnsupportedError } from '../errors/errors.js'
import { type LayerSpec, resolveSpec } from '../layer/spec.js'
import { BACKEND_NAMES, type Backend, type BackendName, isBackendName, type Layer } from './types.js'

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

/** A backend passed over by selection, and why: given to `onSkip` so the caller can say so. */
export interface Skipped {
  readonly backend: BackendName
  readonly reason: string
}

function candidates(options: SelectOptions): BackendName[] {
  const prefer = options.prefer ?? 'auto'
  if (prefer === 'auto') {
    const order = registeredBackends()
    return autoRanker ? [...autoRanker(order, options.workload)] : order
  }
  return prefer.map((name) => {
    if (!isBackendName(name)) {
      throw new UnsupportedError(`unknown backend "${name}"; choose from ${BACKEND_NAMES.join(', ')}`)
    }
    return name
  })
}

function noneAvailable(reasons: readonly Skipped[]): BackendUnavailableError {
  return new BackendUnavailableError(
    `no backend is available: ${reasons.map((r) => `${r.backend}: ${r.reason}`).join('; ') || 'none registered'}`,
    reasons,
  )
}

/** The first available backend of the preference list; one error listing every reason if none is. */
export async function selectBackend(
  options: SelectOptions & { onSkip?: (skipped: Skipped) => void } = {},
): Promise<Backend> {
  const reasons: Skipped[] = []
  for (const name of candidates(options)) {
    const reason = await whyUnavailable(name)
    if (reason === undefined) return start(name)
    reasons.push({ backend: name, reason })
    options.onSkip?.({ backend: name, reason })
  }
  throw noneAvailable(reasons)
}

/**
 * A layer on the first backend of the preference list that can make it: a backend that is
 * unavailable, or whose runtime fails to start the layer (a session that will not load, a device
 * lost), is passed over for the next, and `onSkip` hears why. Bad specs fail at once: they would
 * fail on every backend.
 */
export async function createLayer(
  spec: LayerSpec,
  options: SelectOptions & { onSkip?: (skipped: Skipped) => void } = {},
): Promise<Layer> {
  resolveSpec(spec)
  const reasons: Skipped[] = []
  const skip = (backend: BackendName, reason: string) => {
    reasons.push({ backend, reason })
    options.onSkip?.({ backend, reason })
  }
  for (const name of candidates(options)) {
    const reason = await whyUnavailable(name)
    if (reason !== undefined) {
      skip(name, reason)
      continue
    }
    try {
      return await (await start(name)).createLayer(spec)
    } catch (error) {
      if (!(error instanceof LeakyError) || error.code === 'E_UNAVAILABLE' || error.code === 'E_BACKEND') {
        skip(name, `failed to start: ${error instanceof Error ? error.message : String(error)}`)
        continue
      }
      throw error
    }
  }
  throw noneAvailable(reasons)
}

/** For tests: forget every registration. */
export function resetRegistry(): void {
  registry.clear()
  autoRanker = undefined
}
