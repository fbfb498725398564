import { BaseLayer, type StartState } from '../backend/base-layer.js'
import { registerBackend } from '../backend/registry.js'
import type { Availability, Backend, Layer } from '../backend/types.js'
import { type LayerSpec, type LIState, resolveSpec, stateShape } from '../layer/spec.js'
import { integrate, project } from '../math/integrate.js'
import { type RunOptions, type RunResult, simulateChecked } from '../math/li.js'
import type { Shape, Tensor } from '../tensor/tensor.js'

/**
 * The pure-TypeScript backend: the fused float32 loop of core, no runtime, no copies beyond the
 * output. It is the reference every other backend is checked against, and the fastest choice for
 * small layers, where a runtime's per-call overhead dominates.
 */
class JsLayer extends BaseLayer<LIState> {
  readonly backend = 'js' as const
  readonly tolerance = { run: 1e-5, step: 1e-5 }

  protected async runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<LIState>,
    options: RunOptions,
  ): Promise<RunResult> {
    return simulateChecked(this.spec, xs, steps, batch, plain(start), options)
  }

  /**
   * One step without the sequence machinery: a single allocation holds the new state [v | i], and the
   * returned v is a view of the state's v — the same tensor, as Norse returns it (copy before
   * mutating). Per-call allocations, not arithmetic, dominate a step of a small layer.
   */
  protected async runStep(x: Tensor, batch: Shape, start: StartState<LIState>) {
    const { spec } = this
    const shape = stateShape(spec, batch)
    const from = plain(start)
    const size = from.v.data.length
    const buffer = new Float32Array(2 * size)
    const v = buffer.subarray(0, size)
    const i = buffer.subarray(size)
    v.set(from.v.data)
    i.set(from.i.data)
    let currents = x.data
    if (spec.weights) {
      currents = new Float32Array(size)
      project(x.data, size / spec.neurons, spec.inputs, spec.weights.data, spec.neurons, currents)
    }
    integrate(spec.coefficients, currents, 1, size / spec.neurons, v, i, v)
    const next: LIState = { v: { data: v, shape }, i: { data: i, shape } }
    return { v: next.v, state: next }
  }

  protected async readState(state: LIState): Promise<LIState> {
    // Copies, so that what the caller does with it cannot reach the handle.
    return {
      v: { data: state.v.data.slice(), shape: state.v.shape },
      i: { data: state.i.data.slice(), shape: state.i.shape },
    }
  }

  protected releaseState(): void {}

  protected async release(): Promise<void> {}
}

function plain(start: StartState<LIState>): LIState {
  return start.kind === 'resident' ? start.value : start.state
}

export const jsBackend: Backend = {
  name: 'js',
  async available(): Promise<Availability> {
    return { ok: true }
  },
  async createLayer(spec: LayerSpec): Promise<Layer> {
    return new JsLayer(resolveSpec(spec))
  },
}

/** The js backend runs everywhere; it registers with the lowest priority so runtimes win `auto` ties. */
export function registerJsBackend(): void {
  registerBackend('js', () => jsBackend, 0)
}
