import { BaseLayer, type StartState } from '../backend/base-layer.js'
import { costs } from '../backend/costs.js'
import { registerBackend } from '../backend/registry.js'
import type { Availability, Backend, BackendDeclaration, Layer } from '../backend/types.js'
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

  protected runStep(x: Tensor, batch: Shape, start: StartState<LIState>) {
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

/**
 * The js backend runs everywhere; it has the lowest priority so runtimes win `auto` ties. Its
 * figures (measured on the 2-core machines leaky is built on): ~3e8 neuron-steps/s, ~2 µs a call;
 * x·Wᵀ in plain JS ~4e8 flop/s.
 */
export const jsDeclaration: BackendDeclaration = {
  name: 'js',
  device: 'cpu',
  priority: 0,
  costs: costs([2e-6, 3e8], [2e-6, 3e8], 4e8),
  probe: async (): Promise<Availability> => ({ ok: true }),
  create: (spec) => new JsLayer(spec),
}

/** The js backend without the registry (tests, and code that wants no selection). */
export const jsBackend: Backend = {
  name: 'js',
  device: 'cpu',
  costs: jsDeclaration.costs,
  available: jsDeclaration.probe,
  createLayer: async (spec: LayerSpec): Promise<Layer> => new JsLayer(resolveSpec(spec)),
}

export function registerJsBackend(): void {
  registerBackend(jsDeclaration)
}
