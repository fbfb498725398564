import { neuronSteps, WORKLOADS } from '@leaky/bench/browser'
import { describe, expect, it } from 'vitest'
import { SCALES, scaledWorkloads, scaleWorkload } from './scale.js'

describe('scaled workloads', () => {
  it('keeps every anchor workload, each within the budget', () => {
    for (const scale of Object.values(SCALES)) {
      const scaled = scaledWorkloads(scale)
      expect(scaled.map((w) => w.name)).toEqual(WORKLOADS.map((w) => w.name))
      for (const w of scaled) {
        const cost = neuronSteps(w) * (w.weighted ? w.inputs : 1)
        expect(cost).toBeLessThanOrEqual(w.weighted ? scale.multiplyAdds : scale.neuronSteps)
      }
    }
  })

  it('keeps the neuron count when shrinking batch and steps is enough', () => {
    const w = scaleWorkload(
      WORKLOADS.find((x) => x.name === 'ff-1e5') ?? (WORKLOADS[0] as never),
      SCALES.browser,
    )
    expect(w.neurons).toBe(100_000)
    expect(w.steps).toBeLessThan(1000)
    expect(w.description).toContain('scaled to')
  })

  it('leaves a workload that fits untouched', () => {
    const small = WORKLOADS.find((x) => x.name === 'ff-1e3')
    expect(small && scaleWorkload(small, SCALES.browser)).toBe(small)
  })
})
