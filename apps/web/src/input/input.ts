import type { Tensor } from '@leaky/core'
import type { Setup } from '../setup/setup.js'
import { gaussian, mulberry32 } from './prng.js'

/** rate·dt: the expected spikes per step of Poisson input. Above 1 the train saturates. */
export function spikesPerStep(s: Pick<Setup, 'input' | 'dt'>): number {
  return s.input.rate * s.dt
}

/** Probability of a spike in one step of Poisson input: rate·dt, at most 1 (a spike every step). */
export function spikeProbability(s: Pick<Setup, 'input' | 'dt'>): number {
  return Math.min(1, Math.max(0, spikesPerStep(s)))
}

/**
 * The input current of a setup, time-first [T, N] as the layer takes it. Pure and deterministic:
 * the e2e test calls it too, to compute what the page should show.
 */
export function makeInput(s: Pick<Setup, 'input' | 'dt' | 'neurons' | 'steps'>): Tensor {
  const { neurons: N, steps: T, input } = s
  const data = new Float32Array(T * N)
  switch (input.kind) {
    case 'constant':
      data.fill(input.amplitude)
      break
    case 'step':
      data.fill(input.amplitude, Math.min(T, Math.max(0, input.onset)) * N)
      break
    case 'poisson': {
      const rand = mulberry32(input.seed)
      const p = spikeProbability(s)
      for (let k = 0; k < data.length; k++) data[k] = rand() < p ? input.amplitude : 0
      break
    }
    case 'noise': {
      const normal = gaussian(mulberry32(input.seed))
      for (let k = 0; k < data.length; k++) data[k] = input.mean + input.sigma * normal()
      break
    }
  }
  return { data, shape: [T, N] }
}
