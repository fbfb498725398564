import type { LayerSpec, LIState, ResolvedLayerSpec } from '../layer/spec.js'
import type { RunOptions, RunResult } from '../math/li.js'
import type { Shape, Tensor } from '../tensor/tensor.js'

/**
 * A backend's name, the same in the API, the CLI, the docs and JSON output. Names are open: any
 * package may declare one (`registerBackend`); leaky's own are js, node-cpu, node-webgpu, node-cuda,
 * web-wasm and web-webgpu.
 */
export type BackendName = string

/** The devices a backend runs on, as `prefer` names them (transformers.js's `device`). */
export const DEVICES = ['cpu', 'wasm', 'webgpu', 'cuda'] as const
/** The kind of hardware a backend runs on. */
export type Device = (typeof DEVICES)[number]

/** `prefer` aliases: each stands for the registered backends of these devices that run here. */
export const DEVICE_ALIASES: Readonly<Record<string, readonly Device[]>> = Object.freeze({
  cpu: ['cpu'],
  wasm: ['wasm'],
  webgpu: ['webgpu'],
  cuda: ['cuda'],
  gpu: ['webgpu', 'cuda'],
})

/** What a backend name must look like: lower-case words joined by hyphens. */
export const BACKEND_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

/** Fixed and per-work costs of one backend, for `auto` (see auto.ts for the model). */
export interface CostFigures {
  /** Fixed cost of one call (run() or step()), in seconds: dispatch, session run, copies in and out. */
  readonly callSeconds: number
  /** LI updates per second once a call is running. */
  readonly neuronStepsPerSecond: number
  /** x·Wᵀ throughput of a weighted layer. */
  readonly flopsPerSecond?: number
  /**
   * x·Wᵀ throughput on sparse input, for a backend with an event-driven path (it adds only the
   * active inputs' rows of Wᵀ), in useful flops: 2 per active input and output. The model takes
   * the faster of this on the active inputs and flopsPerSecond on all of them.
   */
  readonly eventFlopsPerSecond?: number
}

/** Cost figures for 'sequence' (one run() over T steps) and 'step' (T step() calls). */
export interface BackendCost {
  readonly sequence: CostFigures
  readonly step: CostFigures
}

/** Whether a backend can run here, and if not, a reason a person can act on. */
export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/** A registered backend as callers see it (`getBackend`, `selectBackend`). */
export interface Backend {
  readonly name: BackendName
  readonly device: Device
  /** The declared built-in cost figures `auto` uses until `leaky bench` has measured this machine. */
  readonly costs: BackendCost
  /** Whether it can run here: probed once, then the same answer. Never throws. */
  available(): Promise<Availability>
  /** Makes a layer; throws BackendUnavailableError (with the reason) if the backend cannot run here. */
  createLayer(spec: LayerSpec): Promise<Layer>
}

/**
 * A backend, as the package that owns it declares it: `registerBackend(declaration)`. Adding a
 * backend edits no other package.
 */
export interface BackendDeclaration {
  /** Unique, lower-case words joined by hyphens (BACKEND_NAME_PATTERN); not a device alias. */
  readonly name: BackendName
  readonly device: Device
  /** Higher is tried first where no cost ranking applies (a name list, a workload-less 'auto'). */
  readonly priority: number
  /** Built-in cost figures for `auto` on a machine `leaky bench` has not measured. */
  readonly costs: BackendCost
  /** Whether it can run here, with a reason a person can act on. Called once; a throw is a reason. */
  probe(): Promise<Availability>
  /** A layer for a spec core has already checked and resolved (once: warnings fired once). */
  create(spec: ResolvedLayerSpec): Layer | Promise<Layer>
}

/**
 * The state a layer's `step` leaves behind. It may live inside the runtime (an onnxruntime tensor,
 * a GPU buffer): pass it to the next `step` of the same layer and nothing is copied. `read()` copies
 * it out as a plain LIState; a handle from another layer is read and uploaded.
 */
export interface StateHandle {
  /** [...batch, neurons] */
  readonly shape: Shape
  /** Copies the state out of the backend. */
  read(): Promise<LIState>
  /** Frees runtime memory now (GPU buffers); using the handle afterwards is a DisposedError. */
  dispose(): void
  readonly disposed: boolean
}

/** What {@link Layer.step} returns: the new voltage and a handle to the new state. */
export interface LayerStepResult {
  /** v after the step, [...batch, neurons]. */
  readonly v: Tensor
  readonly state: StateHandle
}

/** Error bound against Norse (golden README): 1e-5 step-by-step, 1e-4 parallel-in-time. */
export interface Tolerance {
  readonly run: number
  readonly step: number
}

/** A layer of LI neurons on one backend: `run` a whole sequence or `step` one time step at a time. */
export interface Layer {
  readonly backend: BackendName
  readonly spec: ResolvedLayerSpec
  readonly tolerance: Tolerance
  /**
   * The whole sequence [T, ...batch, inputs] in one call. Without a state it starts from Norse's
   * default (v = vLeak, i = 0). Overlapping calls are queued and give what sequential calls give.
   */
  run(xs: Tensor, state?: LIState | StateHandle, options?: RunOptions): Promise<RunResult>
  /** One step with input [...batch, inputs]; without a state it starts from Norse's default. */
  step(x: Tensor, state?: LIState | StateHandle): Promise<LayerStepResult>
  /**
   * A tensor in the engine's own memory (e.g. wasm memory), for backends that have one: passing it
   * to run/step copies nothing. It stays valid until the layer is disposed.
   */
  allocate?(shape: Shape): Tensor
  /** Frees the layer; later calls throw DisposedError. Safe to call twice. */
  dispose(): Promise<void>
  readonly disposed: boolean
}
