/** What the bytes hold: opset and IR, no Loop/Scan/If in parallel graphs, O(log T) graph size. */
import { resolveSpec } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { decodeModel, IR_VERSION, layerModel, OPSET_VERSION } from '../src/index.js'

const spec = resolveSpec({ neurons: 8 })
const perNeuron = resolveSpec({ neurons: 4, params: { tauMemInv: Float32Array.of(100, 90, 80, 70) } })

const opTypes = (bytes: Uint8Array): string[] => {
  const ops: string[] = []
  const visit = (graph: {
    node?: { opType?: string | null; attribute?: { g?: unknown }[] | null }[] | null
  }) => {
    for (const n of graph.node ?? []) {
      ops.push(n.opType ?? '')
      for (const a of n.attribute ?? []) if (a.g) visit(a.g as typeof graph)
    }
  }
  const graph = decodeModel(bytes).graph
  if (graph) visit(graph)
  return ops
}

describe('encoding', () => {
  it('writes opset 17 and IR 8 and carries the contract in metadata', () => {
    const { bytes, contract } = layerModel(spec, { graph: 'sequence' })
    const model = decodeModel(bytes)
    expect(Number(model.irVersion)).toBe(IR_VERSION)
    expect(IR_VERSION).toBe(8)
    expect(OPSET_VERSION).toBe(17)
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]])
    const meta = model.metadataProps.find((p) => p.key === 'leaky_contract')
    expect(JSON.parse(meta?.value ?? '{}')).toEqual(JSON.parse(JSON.stringify(contract)))
  })
  it('the exact sequence graph is one Scan', () => {
    expect(opTypes(layerModel(spec, { graph: 'sequence' }).bytes)).toContain('Scan')
  })
})

describe.each([
  ['doubling', spec],
  ['chunked', spec],
  ['doubling', perNeuron],
] as const)('parallel %s graph', (parallel, s) => {
  const nodes = (steps?: number) => {
    const { bytes } = layerModel(s, { graph: 'parallel', parallel, ...(steps ? { steps } : {}) })
    return opTypes(bytes)
  }
  it('has no Loop, Scan or If node, with T fixed or symbolic', () => {
    for (const steps of [1, 10, 1000, undefined]) {
      const ops = nodes(steps)
      expect(ops.length).toBeGreaterThan(0)
      for (const forbidden of ['Loop', 'Scan', 'If']) expect(ops).not.toContain(forbidden)
    }
  })
  it('grows by O(log T) nodes from T = 10 to T = 10 000', () => {
    const small = nodes(10).length
    const large = nodes(10_000).length
    // A doubling pass is 5 nodes (Slice, Mul, Pad, Add, and a Mul for the next power) in each of the
    // two recurrences (current j, voltage v): at most 10 more nodes per doubling of T.
    const bound = 10 * Math.ceil(Math.log2(10_000 / 10)) + 4
    expect(large - small).toBeLessThanOrEqual(bound)
    expect(large).toBeLessThan(300)
    console.log(
      `parallel ${parallel}${s === perNeuron ? ' (per-neuron)' : ''}: ${small} nodes at T=10, ${large} at T=10000`,
    )
  })
})
