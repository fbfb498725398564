import { BaseLayer, type StartState } from '../backend/base-layer.js'
import { registerBackend } from '../backend/registry.js'
import type { Availability, Backend, Layer } from '../backend/types.js'
import { type LayerSpec, type LIState, resolveSpec } from '../layer/spec.js'
import { advance, type RunOptions, type RunResult, simulateChecked } from '../math/li.js'
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

  protected async runStep(x: Tensor, batch: Shape, start: StartState<LIState>) {
    const state = advance(this.spec, x, batch, plain(start))
    return { v: state.v, state }
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
