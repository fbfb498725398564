import {
  createLayer,
  FormatError,
  type Layer,
  type LayerSpec,
  LeakyError,
  type LIState,
  type Skipped,
  type Tensor,
  UnsupportedError,
} from '@leaky/core'
import { type LeakyModel, nirToModel, runModel, toLayerSpec } from '@leaky/interop'
import { closeH5Worker, readNirFile } from '@leaky/interop/node'
import { withFile } from '../io.js'

/**
 * `leaky run --model FILE.nir`: a NIR graph as a chain of layers on one backend.
 *
 * Every layer that is a core layer (NIR CubaLI, with or without weights, no bias) runs on the chosen
 * backend: createLayer per layer, then layer.run on each time slice in sequence, every layer's state
 * carried from slice to slice, so long inputs stream as in the single-layer run. A layer that is not
 * a core layer (NIR LI, the box integrator; or an Affine with a non-zero bias) exists only in
 * @leaky/interop's pure-TS runModel: the whole model then runs there, in memory, which the command
 * says on stderr. That fallback is taken only with --backend auto or a list that names js; asking
 * for other backends explicitly is an UnsupportedError naming the layers (a user who named node-cpu
 * gets node-cpu or an error, never silently the js math). The first layer picks the backend through
 * createLayer (the preference list, falling back past one that is unavailable or fails to start);
 * the other layers then run on the same one.
 */

/** Reads and maps a .nir file; unsupported nodes are one UnsupportedError naming every one, and the file. */
export async function loadNirModel(path: string, dt: number | undefined): Promise<LeakyModel> {
  const doc = await withFile(path, () => readNirFile(path))
  await closeH5Worker()
  try {
    return nirToModel(doc, dt !== undefined ? { dt } : {})
  } catch (error) {
    if (error instanceof UnsupportedError) throw new UnsupportedError(`${path}: ${error.message}`)
    if (error instanceof LeakyError) throw new FormatError(`${path}: ${error.message}`, { cause: error })
    throw error
  }
}

export interface ModelRunner {
  readonly backend: string
  /** False: the model runs whole (runModel), the input must be read in one slice. */
  readonly streams: boolean
  /** The next time slice [t, ...batch, inputs] → the last layer's voltages [t, ...batch, neurons]. */
  run(xs: Tensor): Promise<Tensor>
  dispose(): Promise<void>
}

/** Which layers are not core layers, with why (empty: every layer runs on any backend). */
function nonCoreLayers(model: LeakyModel): string[] {
  return model.layers.flatMap((layer, k) => {
    try {
      toLayerSpec(model, k)
      return []
    } catch {
      return [`${layer.name} (${layer.neuron === 'li-box' ? 'NIR LI' : 'Affine with a bias'})`]
    }
  })
}

export async function modelRunner(
  model: LeakyModel,
  prefer: 'auto' | readonly string[],
  workload: { steps: number; batch: number },
  onWarning: (message: string) => void,
  onSkip?: (skipped: Skipped) => void,
): Promise<ModelRunner> {
  const refused = nonCoreLayers(model)
  if (refused.length > 0) {
    if (prefer !== 'auto' && !prefer.includes('js')) {
      throw new UnsupportedError(
        `layer(s) ${refused.join(', ')} run only on the js math (runModel), not on ${prefer.join(', ')}: use --backend js`,
      )
    }
    onWarning(
      `${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} not a core layer: the whole model runs on the js math (runModel), in memory`,
    )
    return {
      backend: 'js (runModel)',
      streams: false,
      run: async (xs) => runModel(model, xs),
      dispose: async () => {},
    }
  }
  const specs: LayerSpec[] = model.layers.map((_, k) => ({
    ...toLayerSpec(model, k),
    onWarning: (w) => onWarning(w.message),
  }))
  const layers: Layer[] = []
  try {
    const [first, ...rest] = specs as [LayerSpec, ...LayerSpec[]]
    layers.push(
      await createLayer(first, {
        prefer,
        workload: {
          neurons: Math.max(...model.layers.map((l) => l.neurons)),
          steps: workload.steps,
          batch: workload.batch,
          inputs: model.inputs,
          weighted: model.layers.some((l) => l.weights !== undefined),
          mode: 'sequence',
        },
        ...(onSkip ? { onSkip } : {}),
      }),
    )
    const backend = (layers[0] as Layer).backend
    for (const spec of rest) layers.push(await createLayer(spec, { prefer: [backend] }))
  } catch (error) {
    await Promise.all(layers.map((l) => l.dispose()))
    throw error
  }
  const states: (LIState | undefined)[] = layers.map(() => undefined)
  return {
    backend: (layers[0] as Layer).backend,
    streams: true,
    async run(xs) {
      let x = xs
      for (const [k, layer] of layers.entries()) {
        const result = await layer.run(x, states[k])
        states[k] = result.state
        x = result.voltages
      }
      return x
    },
    dispose: async () => {
      await Promise.all(layers.map((l) => l.dispose()))
    },
  }
}
