import type { Availability, BackendCost, Device, ResolvedLayerSpec } from '@leaky/core'
import { type BackendDeclaration, registerBackend } from '@leaky/core/backend'
import { OrtLayer } from './layer.js'
import type { EngineLimits } from './plan.js'
import type { DevicePolicy, OrtRuntime } from './runtime.js'
import { SessionPool } from './sessions.js'

/** One device of an onnxruntime build, as its backend package describes it. */
export interface OrtDevice extends Omit<DevicePolicy, 'backend' | 'device' | 'target'> {
  /** The backend's name ('node-cpu', 'web-wasm', …). */
  readonly name: string
  /** The device, which is also onnxruntime's execution provider name. */
  readonly device: Device
  readonly priority: number
  readonly costs: BackendCost
  /** Which engine runs what on this device, measured by the package that owns it. */
  readonly limits: EngineLimits
  /** Whether the device works here (run once by core, then cached). */
  probe(): Promise<Availability>
  /** Session options of this device beyond the shared ones (threads, memory arena, …). */
  sessionOptions?: DevicePolicy['sessionOptions']
  /** What `sessionOptions` takes from `work`, as part of the session pool's key. */
  sessionVariant?: DevicePolicy['sessionVariant']
  /** Copies a state tensor out (default: getData(), copied). */
  readBack?: DevicePolicy['readBack']
}

/** What a backend package hands defineOrtBackends: its onnxruntime build and its devices. */
export interface OrtBackendsConfig {
  readonly runtime: OrtRuntime
  readonly devices: readonly OrtDevice[]
}

/** Engine limits other than a device's own, for tests and benchmarks. */
export interface LayerOptions {
  readonly limits?: Partial<EngineLimits>
}

/** The backends of one onnxruntime build: their declarations, one session pool. */
export interface OrtBackends {
  /** One declaration per device, in the order given. */
  readonly declarations: readonly BackendDeclaration[]
  /** The declaration of `name`; with options, a copy whose layers use other engine limits (not registered). */
  declaration(name: string, options?: LayerOptions): BackendDeclaration
  /** A layer of backend `name` without probing (tests of failure paths). */
  layer(name: string, spec: ResolvedLayerSpec, options?: LayerOptions): OrtLayer
  /** Registers every declaration with core. */
  register(): void
  /** The sessions of this runtime (size, leases, sessionFor): for soak and fault tests. */
  readonly sessions: SessionPool
}

/**
 * The one way a backend package makes onnxruntime backends: its runtime, its devices (probe, engine
 * limits, session choices) in; core declarations out. The layer, the session pool and the engine
 * planning are shared by every runtime package.
 */
export function defineOrtBackends(config: OrtBackendsConfig): OrtBackends {
  const pool = new SessionPool(config.runtime)
  const byName = new Map(config.devices.map((d) => [d.name, d]))
  const deviceOf = (name: string): OrtDevice => {
    const found = byName.get(name)
    if (!found) throw new Error(`no onnxruntime backend ${name}; known: ${[...byName.keys()].join(', ')}`)
    return found
  }
  const layer = (name: string, spec: ResolvedLayerSpec, options: LayerOptions = {}): OrtLayer => {
    const { name: backend, priority: _p, costs: _c, limits, probe: _probe, ...rest } = deviceOf(name)
    const policy: DevicePolicy = {
      ...rest,
      backend,
      target: rest.device === 'cpu' || rest.device === 'wasm' ? 'cpu' : 'gpu',
    }
    return new OrtLayer(spec, {
      runtime: config.runtime,
      pool,
      policy,
      limits: { ...limits, ...options.limits },
    })
  }
  const declaration = (name: string, options?: LayerOptions): BackendDeclaration => {
    const d = deviceOf(name)
    return {
      name: d.name,
      device: d.device,
      priority: d.priority,
      costs: d.costs,
      probe: () => d.probe(),
      create: (spec) => layer(d.name, spec, options),
    }
  }
  const declarations = config.devices.map((d) => declaration(d.name))
  return {
    declarations,
    declaration: (name, options) =>
      options
        ? declaration(name, options)
        : (declarations.find((d) => d.name === name) as BackendDeclaration),
    layer,
    register: () => {
      for (const d of declarations) registerBackend(d)
    },
    sessions: pool,
  }
}
