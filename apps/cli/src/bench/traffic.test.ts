import { findWorkload } from '@leaky/bench'
import { describe, expect, it } from 'vitest'
import type { ResultRow } from './report.js'
import { trafficLines } from './traffic.js'

const row = (workload: string, backend: string, rate: number | null): ResultRow => ({
  workload,
  backend,
  correct: rate !== null,
  error: 0,
  neuronStepsPerSecond: rate,
  ratioToCLimit: null,
  secondsMedian: null,
  secondsMin: null,
  secondsMax: null,
  repetitions: 3,
})

describe('trafficLines', () => {
  const step = findWorkload('step-1e3')
  const ff = findWorkload('ff-1e5')
  if (!step || !ff) throw new Error('anchor workloads missing')

  it("puts the step graph's modelled bytes beside a measured GPU rate, and the bandwidth that implies", () => {
    // The step graph moves 18·N + 3 floats a step (the traffic model's hand-counted case): 72.012 B at N = 1000.
    const [line] = trafficLines([step], [row('step-1e3', 'node-webgpu', 1e8)])
    expect(line).toContain('ONNX step graph, 72.0 B/neuron-step')
    expect(line).toContain(`${((1e8 * (4 * (18 * 1000 + 3))) / 1000 / 1e9).toPrecision(3)} GB/s moved`)
  })

  it('models the fused WGSL pass at 8 B, and says nothing for CPU backends or failed rows', () => {
    const lines = trafficLines(
      [ff],
      [
        row('ff-1e5', 'webgpu-wgsl', 1e10),
        row('ff-1e5', 'node-cpu', 1e9),
        row('ff-1e5', 'node-webgpu', null),
      ],
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('fused WGSL pass, 8.0 B/neuron-step')
    expect(lines[0]).toContain('80.0 GB/s moved')
  })
})
