/**
 * readModelContract: the contract back from .onnx bytes, and a seeded fuzz loop over corrupt,
 * truncated and random bytes — every outcome is a contract or a FormatError, never another error.
 */
import { FormatError, mulberry32, resolveSpec, tensor } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import {
  CONTRACT_KEY,
  decodeModel,
  encodeModel,
  exportModel,
  GraphBuilder,
  readModelContract,
} from '../src/index.js'

const weighted = resolveSpec({
  neurons: 3,
  weights: tensor([1, 2, 3, 4, 5, 6], [3, 2]),
  params: { vLeak: -0.5 },
})
const { onnx: good, contract } = exportModel(weighted, {
  graph: 'sequence',
  batchRank: 1,
  parameters: 'inputs',
})

/** Whatever happens, it is a contract or a FormatError (a RangeError or TypeError would be a bug). */
function outcome(bytes: Uint8Array): 'contract' | 'format-error' {
  try {
    readModelContract(bytes)
    return 'contract'
  } catch (error) {
    if (error instanceof FormatError) return 'format-error'
    throw new Error(`not a FormatError: ${(error as Error).stack}`)
  }
}

describe('readModelContract', () => {
  it('returns the contract exportModel wrote, for every graph kind', () => {
    expect(readModelContract(good)).toEqual(contract)
    for (const graph of ['step', 'parallel'] as const) {
      const m = exportModel(weighted, { graph })
      expect(readModelContract(m.onnx)).toEqual(m.contract)
    }
  })

  it.each([
    ['empty bytes', new Uint8Array(0), /no graph/],
    ['text', new TextEncoder().encode('hello, not a model'), /not an ONNX model/],
    ['truncated', good.subarray(0, good.length >> 1), /not an ONNX model/],
  ])('%s: FormatError', (_, bytes, message) => {
    expect(() => readModelContract(bytes)).toThrow(FormatError)
    expect(() => readModelContract(bytes)).toThrow(message)
  })

  it('a model without the metadata, with malformed JSON, or a contract that is not the graph: FormatError', () => {
    const g = new GraphBuilder('plain')
    g.input('x', [1])
    g.node('Identity', ['x'], ['y'])
    g.output('y', 'y', [1])
    expect(() => readModelContract(encodeModel(g))).toThrow(/has no leaky contract/)
    expect(() => readModelContract(encodeModel(g, '', { [CONTRACT_KEY]: '{"format":' }))).toThrow(
      /is not JSON/,
    )
    expect(() => readModelContract(encodeModel(g, '', { [CONTRACT_KEY]: '{"format":"x"}' }))).toThrow(
      /malformed leaky contract: format/,
    )
    // A genuine contract on another graph: the names disagree.
    expect(() => readModelContract(encodeModel(g, '', { [CONTRACT_KEY]: JSON.stringify(contract) }))).toThrow(
      /contract's inputs \(xs, v0, i0, tau_syn_inv, tau_mem_inv, v_leak\) are not the graph's \(x\)/,
    )
    expect(() => readModelContract('bytes' as unknown as Uint8Array)).toThrow(FormatError)
  })

  it('a graph whose declared shapes or dtypes were edited no longer matches its contract: FormatError', () => {
    /** The model `good` with one declared tensor changed, re-encoded with its metadata. */
    const edited = (change: (m: ReturnType<typeof decodeModel>) => void) => {
      const m = decodeModel(good)
      change(m)
      const meta = Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key, p.value]))
      return encodeModel(m.graph as NonNullable<typeof m.graph>, '', meta as Record<string, string>)
    }
    const dim = (m: ReturnType<typeof decodeModel>, list: 'input' | 'output', k: number, d: number) =>
      m.graph?.[list]?.[k]?.type?.tensorType?.shape?.dim?.[d]
    // The re-encoding itself changes nothing.
    expect(readModelContract(edited(() => {}))).toEqual(contract)
    const cases: [string, (m: ReturnType<typeof decodeModel>) => void, RegExp][] = [
      [
        'an output dim edited to 99',
        (m) => Object.assign(dim(m, 'output', 0, 2) ?? {}, { dimValue: 99 }),
        /says voltages is \[T, batch0, 3\], the graph declares \[T, batch0, 99\]/,
      ],
      [
        'a symbolic dim renamed',
        (m) => Object.assign(dim(m, 'input', 0, 0) ?? {}, { dimParam: 'time' }),
        /says xs is \[T, batch0, 2\], the graph declares \[time, batch0, 2\]/,
      ],
      [
        'a dim dropped',
        (m) => m.graph?.input?.[1]?.type?.tensorType?.shape?.dim?.pop(),
        /says v0 is \[batch0, 3\], the graph declares \[batch0\]/,
      ],
      [
        'a float64 input',
        (m) => Object.assign(m.graph?.input?.[3]?.type?.tensorType ?? {}, { elemType: 11 }),
        /says tau_syn_inv is float32, the graph declares ONNX element type 11/,
      ],
    ]
    for (const [what, change, message] of cases) {
      expect(() => readModelContract(edited(change)), what).toThrow(FormatError)
      expect(() => readModelContract(edited(change)), what).toThrow(message)
    }
  })

  it('fuzz: 600 seeded mutations of a real model give a contract or a FormatError, nothing else', () => {
    const random = mulberry32(20240607)
    const int = (n: number) => Math.floor(random() * n)
    const metadataAt = Buffer.from(good).indexOf(CONTRACT_KEY)
    expect(metadataAt).toBeGreaterThan(0)
    const mutations: ((b: Uint8Array) => Uint8Array)[] = [
      (b) => {
        const m = b.slice()
        for (let k = 1 + int(8); k > 0; k--) {
          const at = int(m.length)
          m[at] = (m[at] as number) ^ (1 << int(8))
        }
        return m
      },
      (b) => b.slice(0, int(b.length)),
      () => Uint8Array.from({ length: int(4096) }, () => int(256)),
      (b) => {
        const at = int(b.length)
        const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256))
        return Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)])
      },
      (b) => {
        const at = int(b.length)
        return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + int(32))])
      },
      // Inside the contract's JSON: the metadata survives decoding, its text does not.
      (b) => {
        const m = b.slice()
        m[metadataAt + int(b.length - metadataAt)] = int(256)
        return m
      },
    ]
    const seen = { contract: 0, 'format-error': 0 }
    for (let k = 0; k < 600; k++)
      seen[outcome((mutations[k % mutations.length] as (b: Uint8Array) => Uint8Array)(good))]++
    expect(seen['format-error']).toBeGreaterThan(100)
    expect(seen.contract + seen['format-error']).toBe(600)
  })
})
