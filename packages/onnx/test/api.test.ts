/** The public API's contract and its typed errors. */
import {
  type LeakyError,
  ParameterError,
  type ResolvedLayerSpec,
  resolveSpec,
  ShapeError,
  tensor,
  UnsupportedError,
} from '@leaky/core'
import { describe, expect, it } from 'vitest'
import {
  exportModel,
  type LayerModelOptions,
  layerModel,
  PARAMETER_INPUTS,
  SEQUENCE_IO,
  STEP_IO,
} from '../src/index.js'
import { nodeCpu } from './runtimes.js'

const ff = resolveSpec({ neurons: 3, params: { vLeak: -0.5 } })
const weighted = resolveSpec({ neurons: 2, weights: tensor([1, 2, 3, 4, 5, 6], [2, 3]) })

describe('names', () => {
  it('STEP_IO and SEQUENCE_IO are the names the backends feed', () => {
    expect(STEP_IO).toEqual({ x: 'x', v: 'v', i: 'i', vNew: 'v_new', iNew: 'i_new' })
    expect(SEQUENCE_IO).toEqual({
      xs: 'xs',
      v0: 'v0',
      i0: 'i0',
      voltages: 'voltages',
      vFinal: 'v_final',
      iFinal: 'i_final',
    })
    expect(PARAMETER_INPUTS).toEqual({
      tauSynInv: 'tau_syn_inv',
      tauMemInv: 'tau_mem_inv',
      vLeak: 'v_leak',
      weights: 'weights',
    })
  })
})

describe('contract', () => {
  it('names every input and output of the session, in order, with symbolic dims', async () => {
    const cases: [ResolvedLayerSpec, LayerModelOptions][] = [
      [ff, { graph: 'step' }],
      [ff, { graph: 'step', batchRank: 2, parameters: 'inputs' }],
      [weighted, { graph: 'sequence', batchRank: 1, weights: 'input' }],
      [weighted, { graph: 'parallel', steps: 7, parameters: 'inputs', weights: 'input' }],
      [ff, { graph: 'parallel' }],
    ]
    for (const [spec, options] of cases) {
      const { bytes, contract } = layerModel(spec, options)
      const session = await nodeCpu.createSession(bytes)
      expect(contract.inputs.map((t) => t.name)).toEqual(session.inputNames)
      expect(contract.outputs.map((t) => t.name)).toEqual(session.outputNames)
      await session.release()
      for (const t of [...contract.inputs, ...contract.outputs]) {
        expect(t.dtype).toBe('float32')
        for (const d of t.shape) if (typeof d === 'string') expect(contract.dims[d]).toBeTruthy()
      }
      expect(contract.opset).toBe(17)
      expect(contract.irVersion).toBe(8)
      expect(JSON.parse(JSON.stringify(contract))).toEqual(contract)
    }
  })
  it('describes a batched symbolic-T sequence', () => {
    const { contract } = layerModel(weighted, { graph: 'sequence', batchRank: 2 })
    expect(contract.inputs[0]).toMatchObject({ name: 'xs', shape: ['T', 'batch0', 'batch1', 3] })
    expect(contract.outputs[0]).toMatchObject({ name: 'voltages', shape: ['T', 'batch0', 'batch1', 2] })
    expect(contract).toMatchObject({
      graph: 'sequence',
      neuron: 'weighted',
      neurons: 2,
      inputsPerStep: 3,
      steps: 'T',
      weights: 'baked',
      parameters: 'baked',
      params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0 },
      dt: 0.001,
      tolerance: 1e-5,
    })
  })
  it('parallel: auto picks chunked for scalar parameters, doubling for per-neuron or input ones', () => {
    expect(layerModel(ff, { graph: 'parallel' }).contract.parallel).toBe('chunked')
    const perNeuron = resolveSpec({ neurons: 2, params: { vLeak: Float32Array.of(0, 1) } })
    expect(layerModel(perNeuron, { graph: 'parallel' }).contract).toMatchObject({
      parallel: 'doubling',
      params: { vLeak: [0, 1] },
      tolerance: 1e-4,
      maxSteps: 65536,
    })
    expect(layerModel(ff, { graph: 'parallel', parameters: 'inputs' }).contract.parallel).toBe('doubling')
  })
  it('parameters as inputs are [N] float32 named tau_syn_inv, tau_mem_inv, v_leak; weights [N, in]', () => {
    const { contract } = layerModel(weighted, { graph: 'step', parameters: 'inputs', weights: 'input' })
    expect(contract.inputs.slice(3)).toMatchObject([
      { name: 'tau_syn_inv', shape: [2] },
      { name: 'tau_mem_inv', shape: [2] },
      { name: 'v_leak', shape: [2] },
      { name: 'weights', shape: [2, 3] },
    ])
  })
  it('exportModel resolves a plain LayerSpec and gives the same bytes as layerModel', () => {
    const plain = exportModel({ neurons: 3, params: { vLeak: -0.5 } }, { graph: 'sequence' })
    const resolved = layerModel(ff, { graph: 'sequence' })
    expect(plain.onnx).toEqual(resolved.bytes)
    expect(plain.contract).toEqual(resolved.contract)
  })
})

describe('typed errors', () => {
  const cases: [string, () => unknown, new (...args: never[]) => LeakyError][] = [
    ['an unknown graph kind', () => layerModel(ff, { graph: 'loop' as never }), UnsupportedError],
    [
      'an unknown parallel method',
      () => layerModel(ff, { graph: 'parallel', parallel: 'fft' as never }),
      UnsupportedError,
    ],
    [
      'an unknown neuron kind',
      () => layerModel({ ...ff, kind: 'lif' as never }, { graph: 'step' }),
      UnsupportedError,
    ],
    [
      'chunked with per-neuron parameters',
      () =>
        layerModel(resolveSpec({ neurons: 2, params: { tauSynInv: Float32Array.of(1, 2) } }), {
          graph: 'parallel',
          parallel: 'chunked',
        }),
      UnsupportedError,
    ],
    [
      'chunked with parameters as inputs',
      () => layerModel(ff, { graph: 'parallel', parallel: 'chunked', parameters: 'inputs' }),
      UnsupportedError,
    ],
    ['steps on a step graph', () => layerModel(ff, { graph: 'step', steps: 3 }), UnsupportedError],
    [
      'weights of the wrong shape',
      () => layerModel({ ...weighted, weights: tensor([1, 2, 3], [1, 3]) }, { graph: 'step' }),
      ShapeError,
    ],
    [
      'weights missing on a weighted spec',
      () => layerModel({ ...weighted, weights: undefined }, { graph: 'step' }),
      ShapeError,
    ],
    ['N = 0', () => layerModel({ ...ff, neurons: 0 }, { graph: 'step' }), ParameterError],
    ['N < 0 through exportModel', () => exportModel({ neurons: -2 }, { graph: 'step' }), ParameterError],
    ['a negative batchRank', () => layerModel(ff, { graph: 'sequence', batchRank: -1 }), ParameterError],
    ['steps = 0', () => layerModel(ff, { graph: 'parallel', steps: 0 }), ParameterError],
    ['fractional steps', () => layerModel(ff, { graph: 'sequence', steps: 2.5 }), ParameterError],
  ]
  it.each(cases)('%s', (_, call, type) => {
    expect(call).toThrow(type)
  })
})
