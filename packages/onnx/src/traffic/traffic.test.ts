/** The traffic model against hand counts, and the choice of GPU graph it drives. */
import { resolveSpec } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { GraphBuilder } from '../graph/graph-builder.js'
import { chooseGpuGraph, fusedKernelBytes, graphTraffic, layerTraffic, predictedThroughput } from './index.js'

describe('traffic model', () => {
  const n = 10
  const spec = resolveSpec({ neurons: n })

  it('counts the step graph node by node as a hand count does', () => {
    // j = i + x (reads 2n, writes n), leak = vLeak − v (1 + n, n), drive = leak + j (2n, n),
    // dv = a·drive (1 + n, n), v_new = v + dv (2n, n), di = b·j (1 + n, n), i_new = j − di (2n, n):
    // 11n + 3 floats read, 7n written; the outputs carry the nodes' own names, so no Identity.
    const t = layerTraffic(spec, 'step', { steps: 1 })
    expect(t.nodes.map((x) => x.op)).toEqual(['Add', 'Sub', 'Add', 'Mul', 'Add', 'Mul', 'Sub'])
    expect(t.bytesRead).toBe(4 * (11 * n + 3))
    expect(t.bytesWritten).toBe(4 * 7 * n)
    expect(t.bytesPerNeuronStep).toBe((4 * (18 * n + 3)) / n)
  })

  it('counts a Scan as its body once per step (the step plus three Identity copies)', () => {
    const T = 7
    const t = layerTraffic(spec, 'scan', { steps: T })
    expect(t.bytesRead + t.bytesWritten).toBe(T * 4 * (18 * n + 3 + 3 * 2 * n))
  })

  it('binds batch dims and counts views as free, Slice as what it returns', () => {
    const g = new GraphBuilder('t')
    const x = g.input('x', ['T', 'batch0', 4])
    const flat = g.op('Reshape', [x, g.ints('shape', [-1, 4])])
    const head = g.op('Slice', [flat, g.ints('s', [0]), g.ints('e', [3]), g.ints('ax', [0])])
    g.output('y', g.op('Mul', [head, g.scalar('two', 2)]))
    const t = graphTraffic(g.build(), { T: 5, batch0: 2 })
    // Reshape 0; Slice reads and writes 3·4 floats; Mul reads 12 + 1, writes 12; Identity 12 + 12.
    expect(t.nodes.map((x) => [x.op, x.bytesRead, x.bytesWritten])).toEqual([
      ['Reshape', 0, 0],
      ['Slice', 48, 48],
      ['Mul', 52, 48],
      ['Identity', 48, 48],
    ])
  })

  it('refuses an unbound dimension and an op it has no rule for', () => {
    const g = new GraphBuilder('t')
    g.output('y', g.op('Erf', [g.input('x', ['T', 4])]))
    expect(() => graphTraffic(g.build(), {})).toThrow(/dimension "T"/)
    expect(() => graphTraffic(g.build(), { T: 2 })).toThrow(/no shape rule for op Erf/)
  })

  it('chooses the chunked graph for uniform parameters at T = 1000, doubling for per-neuron ones', () => {
    const big = resolveSpec({ neurons: 1000 })
    const choice = chooseGpuGraph(big, { steps: 1000 })
    expect(choice.graph).toBe('chunked')
    const [chunked, doubling] = choice.candidates
    expect(chunked?.bytesPerNeuronStep).toBeLessThan(doubling?.bytesPerNeuronStep ?? 0)
    const perNeuron = resolveSpec({ neurons: 4, params: { tauMemInv: Float32Array.of(100, 90, 80, 70) } })
    expect(chooseGpuGraph(perNeuron, { steps: 1000 }).graph).toBe('doubling')
  })

  it("counts the fused WGSL engine's kernels: 8 B a sequence step, more with a projection or a step's state", () => {
    const ff = { inputs: 1000, neurons: 1000, weighted: false }
    expect(fusedKernelBytes({ ...ff, mode: 'sequence' })).toBe(4 + 4)
    // x 4·in/N, projection written and read 8, v 4.
    expect(fusedKernelBytes({ inputs: 512, neurons: 1024, weighted: true, mode: 'sequence' })).toBe(2 + 8 + 4)
    // x 4, state read and written 16, v written and copied out 12.
    expect(fusedKernelBytes({ ...ff, mode: 'step' })).toBe(4 + 16 + 12)
  })

  it('predicts throughput as bandwidth over bytes', () => {
    expect(predictedThroughput(8, 4.8e12)).toBe(6e11)
  })
})
