import { initialState, type ResolvedLayerSpec, type Tensor } from '@leaky/core'
import { checkSequence } from '@leaky/core/backend'

const f = Math.fround

/**
 * The box leaky integrator (NIR LI; Norse LIBoxCell, li_box_step), forward Euler in float32 with
 * core's coefficients (a = f32(dt)·tauMemInv):
 *
 *     v = v + a·((vLeak − v) + x);  out = v
 *
 * Starts from v = vLeak. Kept here rather than in core until a backend needs it.
 */
export function simulateBox(spec: ResolvedLayerSpec, xs: Tensor): Tensor {
  const { steps, batch } = checkSequence(spec, xs)
  const v = initialState(spec, batch).v.data
  const { a, vLeak } = spec.coefficients
  const N = spec.neurons
  const width = v.length
  const out = new Float32Array(steps * width)
  for (let t = 0; t < steps; t++) {
    for (let s = 0; s < width; s++) {
      const n = s % N
      const k = t * width + s
      const vOld = v[s] as number
      const vNew = f(vOld + f((a[n] as number) * f(f((vLeak[n] as number) - vOld) + (xs.data[k] as number))))
      v[s] = vNew
      out[k] = vNew
    }
  }
  return { data: out, shape: [steps, ...batch, N] }
}
