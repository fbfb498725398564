import { formatShape, ShapeError, type Tensor } from '@leaky/core'

/**
 * x·Wᵀ (+ bias) over the last axis, summed in double and rounded once to float32: the same arithmetic
 * as core's weighted layers, so a layer with a bias differs from one without only by the bias.
 */
export function project(x: Tensor, weights: Tensor, bias?: Float32Array): Tensor {
  const [outputs, inputs] = weights.shape as [number, number]
  if (x.shape[x.shape.length - 1] !== inputs) {
    throw new ShapeError(`input ${formatShape(x.shape)} does not fit weights ${formatShape(weights.shape)}`)
  }
  const rows = x.data.length / inputs
  const out = new Float32Array(rows * outputs)
  const w = weights.data
  for (let r = 0; r < rows; r++) {
    const xOff = r * inputs
    for (let o = 0; o < outputs; o++) {
      const wOff = o * inputs
      let sum = 0
      for (let k = 0; k < inputs; k++) sum += (x.data[xOff + k] as number) * (w[wOff + k] as number)
      out[r * outputs + o] = bias ? Math.fround(sum) + (bias[o] as number) : sum
    }
  }
  return { data: out, shape: [...x.shape.slice(0, -1), outputs] }
}
