import { BackendUnavailableError, ParameterError, UnsupportedError } from '../errors/errors.js'
import { type LayerSpec, type ResolvedLayerSpec, resolveSpec } from '../layer/spec.js'
import { type Calibration, rankBackends } from './auto.js'
import { checkCostFigures } from './costs.js'
import {
  type Availability,
  BACKEND_NAME_PATTERN,
  type Backend,
  type BackendDeclaration,
  type BackendName,
  DEVICE_ALIASES,
  DEVICES,
  type Layer,
} from './types.js'

/**
 * The backend registry, after onnxruntime's js/common backend-impl.ts: packages declare backends
 * with a priority; resolving tries them in order, remembers a probe's answer, and when none works
 * throws one error that lists every backend's reason.
 *
 * One registry per process: it lives on globalThis under a Symbol.for key, so two copies of
 * @leaky/core (npm installs both when versions differ) see the same backends. Its shape is the
 * contract between those copies: a version number and plain data, nothing class-based.
 */
interface Entry {
  readonly declaration: BackendDeclaration
  /** The probe's answer, asked once. */
  availability?: Promise<Availability>
}

interface Store {
  readonly version: 1
  readonly entries: Map<BackendName, Entry>
  /** What `leaky bench` measured here (useCalibration); undefined: the declared figures. */
  calibration?: Calibration
  /** Replaces the cost model's ranking (setAutoRanker). */
  ranker?: AutoRanker
}

const STORE_KEY = Symbol.for('leaky.registry')

function store(): Store {
  const g = globalThis as { [STORE_KEY]?: Store }
  g[STORE_KEY] ??= { version: 1, entries: new Map() }
  return g[STORE_KEY]
}

const RESERVED = new Set(['auto', 'all', ...Object.keys(DEVICE_ALIASES)])

/**
 * Makes a backend selectable by name, by its device's alias and by `auto`. Re-registering a name
 * takes effect only with a higher or equal priority (onnxruntime's rule), so a package imported
 * twice, or two copies of it, leave one entry.
 */
export function registerBackend(declaration: BackendDeclaration): void {
  const d = declaration as Partial<BackendDeclaration> | null
  const where = `backend declaration${typeof d?.name === 'string' ? ` "${d.name}"` : ''}`
  if (typeof d !== 'object' || d === null)
    throw new ParameterError('registerBackend takes a declaration object')
  if (typeof d.name !== 'string' || !BACKEND_NAME_PATTERN.test(d.name)) {
    throw new ParameterError(
      `${where}: name must be lower-case words joined by hyphens (e.g. "my-backend"), got ${JSON.stringify(d.name)}`,
    )
  }
  if (RESERVED.has(d.name)) {
    throw new ParameterError(`${where}: "${d.name}" is reserved (${[...RESERVED].join(', ')})`)
  }
  if (!DEVICES.includes(d.device as never)) {
    throw new ParameterError(`${where}: device must be one of ${DEVICES.join(', ')}, got ${String(d.device)}`)
  }
  if (typeof d.priority !== 'number' || !Number.isFinite(d.priority)) {
    throw new ParameterError(`${where}: priority must be a finite number, got ${String(d.priority)}`)
  }
  if (typeof d.probe !== 'function' || typeof d.create !== 'function') {
    throw new ParameterError(`${where}: probe and create must be functions`)
  }
  const costs = d.costs as BackendDeclaration['costs'] | undefined
  checkCostFigures(costs?.sequence, `${where}: costs.sequence`)
  checkCostFigures(costs?.step, `${where}: costs.step`)
  const { entries } = store()
  const existing = entries.get(d.name)
  if (existing && existing.declaration.priority > d.priority) return
  entries.set(d.name, { declaration: Object.freeze({ ...declaration }) })
}

/** Registered backend names, highest priority first. */
export function registeredBackends(): BackendName[] {
  return [...store().entries.values()]
    .sort((a, b) => b.declaration.priority - a.declaration.priority)
    .map((e) => e.declaration.name)
}

function entryOf(name: BackendName): Entry {
  const entry = store().entries.get(name)
  if (!entry) {
    throw new BackendUnavailableError(
      `backend "${name}" is not registered; import its package (registered: ${registeredBackends().join(', ') || 'none'})`,
      [{ backend: name, reason: 'not registered' }],
    )
  }
  return entry
}

function availabilityOf(entry: Entry): Promise<Availability> {
  entry.availability ??= Promise.resolve()
    .then(() => entry.declaration.probe())
    .then(
      (a): Availability =>
        a?.ok === true
          ? { ok: true }
          : { ok: false, reason: typeof a?.reason === 'string' ? a.reason : 'its probe gave no reason' },
      (error): Availability => ({ ok: false, reason: `its probe failed: ${messageOf(error)}` }),
    )
  return entry.availability
}

/** Why `name` cannot be used here, or undefined if it can. Never throws. */
export async function whyUnavailable(name: BackendName): Promise<string | undefined> {
  try {
    const availability = await availabilityOf(entryOf(name))
    return availability.ok ? undefined : availability.reason
  } catch (error) {
    return messageOf(error)
  }
}

async function make(entry: Entry, spec: ResolvedLayerSpec): Promise<Layer> {
  const { name } = entry.declaration
  const availability = await availabilityOf(entry)
  if (!availability.ok) {
    throw new BackendUnavailableError(`backend ${name} is not available: ${availability.reason}`, [
      { backend: name, reason: availability.reason },
    ])
  }
  return entry.declaration.create(spec)
}

function backendOf(entry: Entry): Backend {
  const { name, device, costs } = entry.declaration
  return {
    name,
    device,
    costs,
    available: () => availabilityOf(entry),
    createLayer: (spec: LayerSpec) => make(entry, resolveSpec(spec)),
  }
}

/**
 * A Backend over a declaration that is not (or not yet) registered, with its own probe cache: for
 * a package's tests and for code that wants one backend without selection.
 */
export function backendFor(declaration: BackendDeclaration): Backend {
  return backendOf({ declaration })
}

/** The backend called `name`; a BackendUnavailableError with the reason if it cannot run here. */
export async function getBackend(name: BackendName): Promise<Backend> {
  const entry = entryOf(name)
  const availability = await availabilityOf(entry)
  if (!availability.ok) {
    throw new BackendUnavailableError(`backend ${name} is not available: ${availability.reason}`, [
      { backend: name, reason: availability.reason },
    ])
  }
  return backendOf(entry)
}

/** The declared figures of a registered backend (undefined if none is registered under the name). */
export function declarationOf(name: BackendName): BackendDeclaration | undefined {
  return store().entries.get(name)?.declaration
}

/** How to choose a backend: a preference (name, device alias or `auto`) and the workload `auto` ranks for. */
export interface SelectOptions {
  /**
   * What to try, in order: a backend name, a device alias ('cpu' | 'wasm' | 'webgpu' | 'cuda' |
   * 'gpu': that device's registered backends, fastest first for the workload), 'auto' (every
   * registered backend, fastest first), or a list of these. Default 'auto'.
   */
  readonly prefer?: string | readonly string[]
  /** What the layer will do; lets 'auto' and the aliases rank backends for this size. */
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
  /**
   * The fraction of a weighted layer's input values that are non-zero (spike input: its rate), in
   * [0, 1]; default 1 (dense). Backends with an event-driven x·Wᵀ (which adds only the active
   * inputs' rows of Wᵀ) rank by it.
   */
  readonly inputDensity?: number
}

/** Orders candidate backends for a workload, fastest first. */
export type AutoRanker = (
  candidates: readonly BackendName[],
  workload: Workload | undefined,
) => readonly BackendName[]

/**
 * Replaces the cost model as the way `auto` and the device aliases order backends (undefined: the
 * cost model again).
 */
export function setAutoRanker(ranker: AutoRanker | undefined): void {
  store().ranker = ranker
}

/** @internal for auto.ts: the calibration every copy of core ranks by. */
export function calibrationSlot(): { calibration?: Calibration } {
  return store()
}

/** A backend passed over by selection, and why: given to `onSkip` so the caller can say so. */
export interface Skipped {
  readonly backend: BackendName
  readonly reason: string
}

/** Fastest first for the workload by the cost model (priority order without a workload). */
function ranked(names: readonly BackendName[], workload: Workload | undefined): BackendName[] {
  const { ranker, calibration } = store()
  if (ranker) return [...ranker(names, workload)]
  return workload ? rankBackends(names, workload, calibration).map((e) => e.backend) : [...names]
}

/** The backend names a preference stands for, in the order they are tried. */
export function resolvePreference(
  prefer: SelectOptions['prefer'] = 'auto',
  workload?: Workload,
): BackendName[] {
  const density = workload?.inputDensity
  if (density !== undefined && !(typeof density === 'number' && density >= 0 && density <= 1))
    throw new ParameterError(`workload.inputDensity must be a number in [0, 1], got ${String(density)}`)
  const items = typeof prefer === 'string' ? [prefer] : prefer
  if (!Array.isArray(items) || items.length === 0 || items.some((p) => typeof p !== 'string')) {
    throw new UnsupportedError(
      `prefer must be a backend name, a device alias (${Object.keys(DEVICE_ALIASES).join(', ')}), 'auto', or a non-empty list of these`,
    )
  }
  const order: BackendName[] = []
  for (const item of items) {
    let names: BackendName[]
    if (item === 'auto') names = ranked(registeredBackends(), workload)
    else if (item in DEVICE_ALIASES) {
      const devices = DEVICE_ALIASES[item] ?? []
      names = ranked(
        registeredBackends().filter((n) => devices.includes(entryOf(n).declaration.device)),
        workload,
      )
    } else if (BACKEND_NAME_PATTERN.test(item)) names = [item]
    else {
      throw new UnsupportedError(
        `unknown backend "${item}"; choose a registered backend (${registeredBackends().join(', ') || 'none'}), ` +
          `a device (${Object.keys(DEVICE_ALIASES).join(', ')}) or auto`,
      )
    }
    for (const n of names) if (!order.includes(n)) order.push(n)
  }
  return order
}

function noneAvailable(
  prefer: SelectOptions['prefer'],
  reasons: readonly Skipped[],
): BackendUnavailableError {
  const asked = typeof prefer === 'string' ? prefer : (prefer ?? ['auto']).join(', ')
  return new BackendUnavailableError(
    `no backend is available for prefer: ${asked}: ${
      reasons.map((r) => `${r.backend}: ${r.reason}`).join('; ') || 'no registered backend matches'
    }`,
    reasons,
  )
}

/** The first available backend of the preference; one error listing every reason if none is. */
export async function selectBackend(
  options: SelectOptions & { onSkip?: (skipped: Skipped) => void } = {},
): Promise<Backend> {
  const reasons: Skipped[] = []
  for (const name of resolvePreference(options.prefer, options.workload)) {
    const reason = await whyUnavailable(name)
    if (reason === undefined) return backendOf(entryOf(name))
    reasons.push({ backend: name, reason })
    options.onSkip?.({ backend: name, reason })
  }
  throw noneAvailable(options.prefer, reasons)
}

/**
 * A layer on the first backend of the preference that can make it: a backend that is unavailable,
 * or whose runtime fails to start the layer (a session that will not load, a device lost), is
 * passed over for the next, and `onSkip` hears why. The spec is checked and resolved once, first:
 * a bad spec would fail on every backend, and its warnings reach `onWarning` once.
 */
export async function createLayer(
  spec: LayerSpec,
  options: SelectOptions & { onSkip?: (skipped: Skipped) => void } = {},
): Promise<Layer> {
  const resolved = resolveSpec(spec)
  const names = resolvePreference(options.prefer, options.workload)
  const reasons: Skipped[] = []
  const skip = (backend: BackendName, reason: string) => {
    reasons.push({ backend, reason })
    options.onSkip?.({ backend, reason })
  }
  for (const name of names) {
    const reason = await whyUnavailable(name)
    if (reason !== undefined) {
      skip(name, reason)
      continue
    }
    try {
      return await make(entryOf(name), resolved)
    } catch (error) {
      // A caller's error (bad spec, capacity) would fail everywhere: it is thrown. Checked by code,
      // not instanceof, so errors from a backend built on another copy of core are told apart too.
      const code = (error as { code?: unknown } | null)?.code
      if (
        typeof code === 'string' &&
        code.startsWith('E_') &&
        code !== 'E_UNAVAILABLE' &&
        code !== 'E_BACKEND'
      ) {
        throw error
      }
      skip(name, `failed to start: ${messageOf(error)}`)
    }
  }
  throw noneAvailable(options.prefer, reasons)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** @internal for tests: forget every registration and the ranker (of every copy of core). */
export function resetRegistry(): void {
  const s = store()
  s.entries.clear()
  s.ranker = undefined
  s.calibration = undefined
}
