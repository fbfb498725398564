import type { LayerSpec, LIState, ResolvedLayerSpec } from '../layer/spec.js'
import type { RunOptions, RunResult } from '../math/li.js'
import type { Shape, Tensor } from '../tensor/tensor.js'

/** Every backend's name, the same in the API, the CLI, the docs and JSON output. */
export const BACKEND_NAMES = ['js', 'node-cpu', 'node-webgpu', 'node-cuda', 'web-wasm', 'web-webgpu'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name)
}

/** Whether a backend can run here, and if not, a reason a person can act on. */
export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string }

export interface Backend {
  readonly name: BackendName
  available(): Promise<Availability>
  /** Makes a layer; throws BackendUnavailableError (with the reason) if the backend cannot run here. */
  createLayer(spec: LayerSpec): Promise<Layer>
}

/**
 * The state a layer's `step` leaves behind. It may live inside the runtime (an onnxruntime tensor,
 * a GPU buffer): pass it to the next `step` of the same layer and nothing is copied. `read()` copies
 * it out as a plain LIState; a handle from another layer is read and uploaded.
 */
export interface StateHandle {
  /** [...batch, neurons] */
  readonly shape: Shape
  read(): Promise<LIState>
  /** Frees runtime memory now (GPU buffers); using the handle afterwards is a DisposedError. */
  dispose(): void
  readonly disposed: boolean
}

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
  /** Frees the layer; later calls throw DisposedError. Safe to call twice. */
  dispose(): Promise<void>
  readonly disposed: boolean
}
