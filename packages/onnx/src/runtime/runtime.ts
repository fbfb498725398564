import type { BackendName } from '@leaky/core'
import type { InferenceSession, Tensor, TensorConstructor } from 'onnxruntime-common'
import type { SessionGraph, Target } from './plan.js'

/**
 * The part of an onnxruntime build the layer drives, injected by the backend package that owns the
 * runtime (onnxruntime-node, onnxruntime-web): both implement onnxruntime-common's API, so one layer
 * serves both, as in onnxruntime's own js/ tree. Only types come from onnxruntime-common here, so
 * this package stays runtime-free and browser-safe.
 */
export interface OrtRuntime {
  /** onnxruntime's `Tensor` constructor (CPU tensors). */
  readonly Tensor: TensorConstructor
  /** `InferenceSession.create` for model bytes (a backend may serialize or wrap it). */
  createSession(model: Uint8Array, options: SessionOptions): Promise<InferenceSession>
}

/** Session options of the onnxruntime build in use. */
export type SessionOptions = InferenceSession.SessionOptions
/** A tensor of the onnxruntime build in use. */
export type OrtTensor = Tensor
/** An inference session of the onnxruntime build in use. */
export type OrtSession = InferenceSession

/** How one device of a backend runs the LI layer: the per-device choices the shared layer asks for. */
export interface DevicePolicy {
  /** The execution provider's name in onnxruntime ('cpu', 'wasm', 'webgpu', 'cuda'). */
  readonly device: string
  readonly backend: BackendName
  /**
   * 'cpu': the CPU EP (onnxruntime-node's cpu, onnxruntime-web's wasm): small steps run the JS loop,
   * sequences the chunked graph or Scan. 'gpu': parallel graphs only (GPU EPs have no Scan), the
   * step's current stays on the GPU, and no silent fallback to the CPU EP.
   */
  readonly target: Target
  /**
   * A session step's current stays on the device (preferredOutputLocation 'gpu-buffer') until the
   * caller reads the state: WebGPU EPs.
   */
  readonly residentCurrent?: boolean
  /** Session options of this device beyond the shared ones (threads, memory arena, …). */
  sessionOptions?(graph: SessionGraph, work: number): SessionOptions
  /** What `sessionOptions` takes from `work`, as part of the session pool's key. */
  sessionVariant?(work: number): string
  /** Hand onnxruntime the JS output array as a pre-allocated output (saves a native copy). */
  readonly preallocateOutputs?: boolean
  /**
   * After a session's run throws, drop it from the pool so the next call gets a fresh one (a
   * runtime that failed mid-run, a lost device) instead of failing forever.
   */
  readonly evictOnFailure?: boolean
  /** Copies a state tensor out (default: getData(), copied). */
  readBack?(tensor: OrtTensor): Promise<Float32Array>
}

/** Session options that make a GPU session fail instead of silently running nodes on the CPU. */
export function providerOptions(device: string, target: Target): SessionOptions {
  return {
    executionProviders: [device],
    ...(target === 'cpu' ? {} : { extra: { session: { disable_cpu_ep_fallback: '1' } } }),
  }
}
