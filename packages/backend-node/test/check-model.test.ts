/** checkModel: .onnx bytes from outside into onnxruntime-node — a contract, or a FormatError. */
import { FormatError, mulberry32, resolveSpec } from '@leaky/core'
import { CONTRACT_KEY, encodeModel, exportModel, GraphBuilder } from '@leaky/onnx'
import { describe, expect, it } from 'vitest'
import { checkModel } from '../src/index.js'

const { onnx: good, contract } = exportModel(resolveSpec({ neurons: 4 }), { graph: 'parallel', steps: 16 })

describe('checkModel', () => {
  it('loads an exported model and returns its contract', async () => {
    expect(await checkModel(good)).toEqual(contract)
  })

  it('a model whose contract is intact but which onnxruntime refuses: FormatError from onnxruntime', async () => {
    // The graph declares the contract's inputs and outputs (names, shapes), so readModelContract passes.
    const seq = exportModel(resolveSpec({ neurons: 1 }), { graph: 'sequence' }).contract
    const g = new GraphBuilder('broken')
    for (const t of seq.inputs) g.input(t.name, [...t.shape])
    g.node('NoSuchOperator', ['xs', 'v0', 'i0'], ['voltages', 'v_final', 'i_final'])
    for (const t of seq.outputs) g.output(t.name, t.name, [...t.shape])
    const bytes = encodeModel(g, '', { [CONTRACT_KEY]: JSON.stringify(seq) })
    await expect(checkModel(bytes)).rejects.toThrow(FormatError)
    await expect(checkModel(bytes)).rejects.toThrow(/onnxruntime-node cannot load the model/)
  })

  it('fuzz: 200 seeded corruptions and truncations give a contract or a FormatError, never a crash', async () => {
    const random = mulberry32(7)
    const int = (n: number) => Math.floor(random() * n)
    const seen = { ok: 0, readModelContract: 0, onnxruntime: 0 }
    for (let k = 0; k < 200; k++) {
      let bytes: Uint8Array
      if (k % 4 === 3) bytes = good.slice(0, int(good.length))
      else {
        bytes = good.slice()
        // Mostly one flip: protobuf survives about one in ten, and those bytes reach onnxruntime.
        for (let f = k % 4 === 2 ? 1 + int(4) : 1; f > 0; f--) {
          const at = int(bytes.length)
          bytes[at] = (bytes[at] as number) ^ (1 << int(8))
        }
      }
      try {
        await checkModel(bytes)
        seen.ok++
      } catch (error) {
        if (!(error instanceof FormatError)) throw new Error(`not a FormatError: ${(error as Error).stack}`)
        if (/onnxruntime-node/.test(error.message)) seen.onnxruntime++
        else seen.readModelContract++
      }
    }
    console.log('checkModel fuzz outcomes:', seen)
    expect(seen.ok + seen.readModelContract + seen.onnxruntime).toBe(200)
    expect(seen.readModelContract).toBeGreaterThan(0)
    expect(seen.ok + seen.onnxruntime).toBeGreaterThan(0)
  })
})
