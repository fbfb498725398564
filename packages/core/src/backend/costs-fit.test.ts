import { describe, expect, it } from 'vitest'
import { costs } from './costs.js'
import { fitCosts, type Measurement } from './costs-fit.js'

const fallback = costs([1e-4, 1e8], [1e-5, 2e8], 3e9)
const calls = { run: 2e-3, step: 1e-5 }

describe('fitCosts', () => {
  it('without measurements keeps the declared throughputs and takes the measured call costs', () => {
    expect(fitCosts([], calls, fallback)).toEqual({
      sequence: { callSeconds: 2e-3, neuronStepsPerSecond: 1e8, flopsPerSecond: 3e9 },
      step: { callSeconds: 1e-5, neuronStepsPerSecond: 1e8, flopsPerSecond: 3e9 },
    })
  })

  it('fits each throughput from its workload, less the fixed parts', () => {
    const measured: Measurement[] = [
      // 1e6 neuron-steps in 0.012 s, 0.002 s of it the call: 1e8/s. The smaller run is passed over.
      { workload: { neurons: 1000, steps: 1000 }, seconds: 0.012 },
      { workload: { neurons: 10, steps: 10 }, seconds: 1 },
      // One step of 1000 neurons in 15 µs, 10 µs of it the call: 2e8/s.
      { workload: { neurons: 1000, steps: 1, mode: 'step' }, seconds: 1.5e-5 },
      // 2·1e4·100 = 2e6 flops in 0.0031 s less 0.002 s (call) and 1e4 / 1e8 = 1e-4 s (LI): 2e9 flop/s.
      { workload: { neurons: 100, steps: 100, inputs: 100, weighted: true }, seconds: 0.0031 },
    ]
    const fitted = fitCosts(measured, calls, fallback)
    expect(fitted.sequence.callSeconds).toBe(2e-3)
    expect(fitted.sequence.neuronStepsPerSecond).toBeCloseTo(1e8, -2)
    expect(fitted.step.neuronStepsPerSecond).toBeCloseTo(2e8, -3)
    expect(fitted.step.callSeconds).toBe(1e-5)
    expect(fitted.sequence.flopsPerSecond).toBeCloseTo(2e9, -4)
    expect(fitted.step.flopsPerSecond).toBe(fitted.sequence.flopsPerSecond)
  })

  it('fits an event-driven x·Wᵀ from sparse runs and its dense flops from dense ones', () => {
    const events = costs([1e-4, 1e8], [1e-5, 2e8], 3e9, 1e9)
    const weighted = { neurons: 100, steps: 100, inputs: 100, weighted: true }
    const measured: Measurement[] = [
      { workload: { neurons: 1000, steps: 1000 }, seconds: 0.012 },
      // Dense: 2e6 flops in 0.0031 s less call and LI: 2e9 flop/s.
      { workload: weighted, seconds: 0.0031 },
      // 10 % active: 2e5 useful flops in 0.0023 s less the same 0.0021 s: 1e9 useful flop/s.
      { workload: { ...weighted, inputDensity: 0.1 }, seconds: 0.0023 },
    ]
    const fitted = fitCosts(measured, calls, events)
    expect(fitted.sequence.flopsPerSecond).toBeCloseTo(2e9, -4)
    expect(fitted.sequence.eventFlopsPerSecond).toBeCloseTo(1e9, -4)
    // Without an event path declared, a sparse run is dense work like any other (the larger run wins)
    // and no event figure is made up.
    const plain = fitCosts(
      [{ workload: { ...weighted, steps: 200, inputDensity: 0.1 }, seconds: 0.0062 }],
      calls,
      fallback,
    )
    expect(plain.sequence.eventFlopsPerSecond).toBeUndefined()
    expect(plain.sequence.flopsPerSecond).toBeCloseTo(1e9, -4) // 4e6 flops (all inputs) in 0.004 s
  })

  it('a step workload of T calls subtracts all T of them', () => {
    const fitted = fitCosts(
      [{ workload: { neurons: 500, steps: 100, mode: 'step' }, seconds: 100 * 1.5e-5 }],
      calls,
      fallback,
    )
    // 5e4 neuron-steps in 1.5e-3 s less 100 × 1e-5 s: 1e8/s.
    expect(fitted.step.neuronStepsPerSecond).toBeCloseTo(1e8, -2)
  })

  it('a measurement faster than its fixed part leaves 5 % of it, never a negative or infinite rate', () => {
    const fitted = fitCosts([{ workload: { neurons: 1000, steps: 10 }, seconds: 1e-3 }], calls, fallback)
    expect(fitted.sequence.neuronStepsPerSecond).toBeCloseTo(1e4 / 5e-5, -3)
  })

  it('ignores measurements that are not a finite time > 0', () => {
    const bad: Measurement[] = [
      { workload: { neurons: 1000, steps: 1000 }, seconds: Number.NaN },
      { workload: { neurons: 1000, steps: 1000 }, seconds: 0 },
    ]
    expect(fitCosts(bad, calls, fallback).sequence.neuronStepsPerSecond).toBe(1e8)
  })

  it('refuses call costs that are not a finite time ≥ 0', () => {
    expect(() => fitCosts([], { run: -1, step: 1e-5 }, fallback)).toThrow(/callSeconds/)
  })
})
