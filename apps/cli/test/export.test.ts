/**
 * `leaky export`: the written model loads in onnxruntime-node and reproduces Norse's golden cases
 * when fed using nothing but the contract JSON written beside it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { relativeError, resolveSpec, simulate, type Tensor } from '@leaky/core'
import { type GoldenCase, goldenError, mulberry32 } from '@leaky/core/conformance'
import { readGoldenFile } from '@leaky/core/conformance/node'
import type { ModelContract, TensorContract } from '@leaky/onnx'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { goldenFile, leaky } from './run-cli.js'

const scratch = mkdtempSync(join(tmpdir(), 'leaky-export-'))
const golden = readGoldenFile(goldenFile)
const byName = (name: string) => golden.cases.find((c) => c.name === name) as GoldenCase

const json = (p: number | Float32Array) => (typeof p === 'number' ? p : Array.from(p))

/** What the caller brings: the input sequence [T, ...batch, M] and, for a model that takes them, the weights. */
interface CallerData {
  readonly xs: Tensor
  readonly weights?: Tensor
}

/**
 * Runs an exported model using ONLY its contract: the names and order of inputs, fixed and symbolic
 * dims (T and batchK bound from the caller's data), the initial-state convention (v0 = vLeak, i0 = 0),
 * the parameter inputs (fed from contract.params) and, for a step graph, the state fed back by name.
 * Returns the voltages [T, ...batch, N] and the final state, shaped as the contract says.
 */
async function runFromContract(bytes: Uint8Array, contract: ModelContract, data: CallerData) {
  const [T, ...rest] = data.xs.shape as [number, ...number[]]
  const batch = rest.slice(0, -1)
  expect(batch.length).toBe(contract.batchRank)
  const bound: Record<string, number> = { T }
  batch.forEach((d, k) => {
    bound[`batch${k}`] = d
  })
  for (const name of Object.keys(contract.dims)) expect(bound[name], `symbolic dim ${name}`).toBeDefined()
  const dimsOf = (t: TensorContract) => t.shape.map((d) => (typeof d === 'number' ? d : (bound[d] as number)))
  const N = contract.neurons
  const perNeuron = (p: number | readonly number[]) =>
    Float32Array.from({ length: N }, (_, k) => (typeof p === 'number' ? p : (p[k] as number)))
  expect(contract.initialState).toMatchObject({ v: 'vLeak', i: 0 })
  const vLeak = perNeuron(contract.params.vLeak)
  const rest0 = (t: TensorContract, what: 'v' | 'i') => {
    const size = dimsOf(t).reduce((a, b) => a * b, 1)
    return what === 'v'
      ? Float32Array.from({ length: size }, (_, k) => vLeak[k % N] as number)
      : new Float32Array(size)
  }
  const step = contract.graph === 'step'
  const M = contract.inputsPerStep
  const rowValues = batch.reduce((a, b) => a * b, 1) * M
  /** The value of one input by its contract name; `state` carries v, i between steps. */
  const inputValue = (t: TensorContract, k: number, state: Record<string, Float32Array>): Float32Array => {
    switch (t.name) {
      case 'xs':
        return data.xs.data
      case 'x':
        return data.xs.data.subarray(k * rowValues, (k + 1) * rowValues)
      case 'v0':
      case 'v':
        return state.v ?? rest0(t, 'v')
      case 'i0':
      case 'i':
        return state.i ?? rest0(t, 'i')
      case 'tau_syn_inv':
        return perNeuron(contract.params.tauSynInv)
      case 'tau_mem_inv':
        return perNeuron(contract.params.tauMemInv)
      case 'v_leak':
        return vLeak
      case 'weights':
        return (data.weights as Tensor).data
      default:
        throw new Error(`the contract names an input this test does not know: ${t.name}`)
    }
  }
  const session = await ort.InferenceSession.create(bytes)
  expect(session.inputNames).toEqual(contract.inputs.map((t) => t.name))
  expect(session.outputNames).toEqual(contract.outputs.map((t) => t.name))
  const feeds = (k: number, state: Record<string, Float32Array>) => {
    const out: Record<string, ort.Tensor> = {}
    for (const t of contract.inputs) {
      const dims = dimsOf(t)
      const value = inputValue(t, k, state)
      expect(value.length, `${t.name} [${dims}]`).toBe(dims.reduce((a, b) => a * b, 1))
      out[t.name] = new ort.Tensor('float32', value, dims)
    }
    return out
  }
  const outputs: Record<string, Float32Array> = {}
  const check = (result: ort.InferenceSession.OnnxValueMapType) => {
    for (const t of contract.outputs) expect(result[t.name]?.dims, t.name).toEqual(dimsOf(t))
  }
  try {
    if (!step) {
      const result = await session.run(feeds(0, {}))
      check(result)
      for (const t of contract.outputs) outputs[t.name] = result[t.name]?.data as Float32Array
      return {
        voltages: outputs.voltages as Float32Array,
        v: outputs.v_final as Float32Array,
        i: outputs.i_final as Float32Array,
        initialV: feeds(0, {}).v0?.data,
      }
    }
    const voltages = new Float32Array(T * (rowValues / M) * N)
    let state: Record<string, Float32Array> = {}
    for (let k = 0; k < T; k++) {
      const result = await session.run(feeds(k, state))
      check(result)
      const v = result.v_new?.data as Float32Array
      voltages.set(v, k * v.length)
      state = { v, i: result.i_new?.data as Float32Array }
    }
    return { voltages, v: state.v as Float32Array, i: state.i as Float32Array, initialV: undefined }
  } finally {
    await session.release()
  }
}

async function runExport(c: GoldenCase, args: string[], name: string) {
  const params = join(scratch, `${name}.params.json`)
  writeFileSync(
    params,
    JSON.stringify({
      tauSynInv: json(c.params.tauSynInv),
      tauMemInv: json(c.params.tauMemInv),
      vLeak: json(c.params.vLeak),
    }),
  )
  const out = join(scratch, `${name}.onnx`)
  const r = leaky('export', '--params', params, '--dt', String(c.dt), '--out', out, ...args)
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.stdout).toContain(`wrote ${out}`)
  const contract = JSON.parse(readFileSync(join(scratch, `${name}.json`), 'utf8')) as ModelContract
  const result = await runFromContract(readFileSync(out), contract, {
    xs: c.input,
    ...(c.weights ? { weights: c.weights } : {}),
  })
  // The golden cases used here start from rest, the contract's convention: v0 = vLeak, i0 = 0.
  if (result.initialV)
    expect(Array.from(result.initialV as Float32Array)).toEqual(Array.from(c.initial.v.data))
  const error = goldenError(
    c,
    { data: result.voltages, shape: c.outputs.shape },
    {
      v: { data: result.v, shape: c.final.v.shape },
      i: { data: result.i, shape: c.final.i.shape },
    },
  )
  return { contract, error }
}

describe('leaky export', () => {
  it.each([
    ['sequence', []],
    ['parallel', ['--steps', '120']],
    ['parallel', ['--parallel', 'doubling', '--parameters', 'inputs']],
  ] as const)('feed-forward %s %j reproduces ff_leak_negative from its contract', async (graph, extra) => {
    const c = byName('ff_leak_negative')
    const { contract, error } = await runExport(
      c,
      ['--neuron', 'feed-forward', '--graph', graph, '--neurons', '4', ...extra],
      `ff-${graph}-${extra.length}`,
    )
    expect(error).toBeLessThanOrEqual(contract.tolerance)
  })
  it('weighted with --weights bakes them and reproduces w_batched_spikes (batch rank 1)', async () => {
    const c = byName('w_batched_spikes')
    const weights = join(scratch, 'w.json')
    const w = c.weights as Tensor
    writeFileSync(weights, JSON.stringify({ shape: w.shape, data: Array.from(w.data) }))
    const { contract, error } = await runExport(
      c,
      ['--neuron', 'weighted', '--graph', 'sequence', '--weights', weights, '--batch-rank', '1'],
      'w-baked',
    )
    expect(contract.weights).toBe('baked')
    expect(contract.inputs.map((t) => t.name)).toEqual(['xs', 'v0', 'i0'])
    expect(error).toBeLessThanOrEqual(1e-5)
  })
  it('weighted without --weights takes them as the input "weights" and reproduces w_norse_test', async () => {
    const c = byName('w_norse_test')
    const [n, m] = (c.weights as Tensor).shape as [number, number]
    const { contract, error } = await runExport(
      c,
      ['--neuron', 'weighted', '--graph', 'parallel', '--neurons', String(n), '--inputs', String(m)],
      'w-input',
    )
    expect(contract.weights).toBe('input')
    expect(contract.inputs.find((t) => t.name === 'weights')?.shape).toEqual([n, m])
    expect(error).toBeLessThanOrEqual(1e-4)
  })
  describe('every variant, fed from its contract alone, equals core simulate', () => {
    // Scalar parameters (the chunked graph needs them), batch rank 1, a start from rest.
    const params = { tauSynInv: 150, tauMemInv: 80, vLeak: -0.2 }
    const dt = 0.001
    const random = mulberry32(11)
    const T = 40
    const N = 5
    const M = 3
    const data = (cols: number) => ({
      data: Float32Array.from({ length: T * 2 * cols }, () => random() * 4 - 1),
      shape: [T, 2, cols],
    })
    const ffXs = data(N)
    const wXs = data(M)
    const weights = { data: Float32Array.from({ length: N * M }, () => random() * 2 - 1), shape: [N, M] }
    const graphs = [
      ['step', []],
      ['sequence', []],
      ['sequence', ['--steps', String(T)]],
      ['parallel doubling', ['--parallel', 'doubling']],
      ['parallel doubling', ['--parallel', 'doubling', '--steps', String(T)]],
      ['parallel chunked', ['--parallel', 'chunked', '--steps', String(T)]],
      ['parallel chunked', ['--parallel', 'chunked']],
    ] as const
    const label = (graph: string, extra: readonly string[]) =>
      graph === 'step' ? graph : `${graph}, T ${extra.includes('--steps') ? 'fixed' : 'symbolic'}`
    const neurons = ['feed-forward', 'weighted, weights baked', 'weighted, weights input'] as const
    const matrix = graphs.flatMap(([graph, extra]) =>
      neurons.flatMap((neuron) =>
        (['baked', 'inputs'] as const)
          // The chunked graph bakes its kernel from the parameters: 'inputs' is refused (tested below).
          .filter((p) => !(graph === 'parallel chunked' && p === 'inputs'))
          .map((p) => [label(graph, extra), neuron, p, graph, extra] as const),
      ),
    )
    it.each(matrix)('%s, %s, params %s', async (label, neuron, parameters, graph, extra) => {
      const name = `m-${label}-${neuron}-${parameters}`.replace(/[^a-z0-9]+/gi, '_')
      const files = { params: join(scratch, `${name}.p.json`), weights: join(scratch, `${name}.w.json`) }
      writeFileSync(files.params, JSON.stringify(params))
      writeFileSync(files.weights, JSON.stringify({ shape: weights.shape, data: Array.from(weights.data) }))
      const args = [
        '--graph',
        graph.split(' ')[0] as string,
        ...extra,
        '--parameters',
        parameters,
        '--batch-rank',
        '1',
      ]
      if (neuron === 'feed-forward') args.push('--neuron', 'feed-forward', '--neurons', String(N))
      else if (neuron === 'weighted, weights baked')
        args.push('--neuron', 'weighted', '--weights', files.weights)
      else args.push('--neuron', 'weighted', '--neurons', String(N), '--inputs', String(M))
      const out = join(scratch, `${name}.onnx`)
      const r = leaky('export', ...args, '--params', files.params, '--dt', String(dt), '--out', out)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const contract = JSON.parse(readFileSync(join(scratch, `${name}.json`), 'utf8')) as ModelContract
      expect(contract.graph).toBe(graph.split(' ')[0])
      if (graph.startsWith('parallel')) expect(contract.parallel).toBe(graph.split(' ')[1])
      expect(contract.parameters).toBe(parameters)
      const weighted = neuron !== 'feed-forward'
      const xs = weighted ? wXs : ffXs
      const result = await runFromContract(readFileSync(out), contract, {
        xs,
        ...(weighted ? { weights } : {}),
      })
      const reference = simulate(
        resolveSpec({ neurons: N, params, dt, ...(weighted ? { weights } : {}) }),
        xs,
      )
      expect(relativeError(result.voltages, reference.voltages.data)).toBeLessThanOrEqual(contract.tolerance)
      expect(relativeError(result.v, reference.state.v.data)).toBeLessThanOrEqual(contract.tolerance)
      expect(relativeError(result.i, reference.state.i.data)).toBeLessThanOrEqual(contract.tolerance)
    })
  })
  it.each([
    [
      'no --graph',
      ['--neuron', 'feed-forward', '--neurons', '3', '--out', 'X.onnx'],
      /--graph .* is required/,
    ],
    [
      'an unknown graph',
      ['--neuron', 'feed-forward', '--graph', 'loop', '--neurons', '3', '--out', 'X.onnx'],
      /--graph must be one of/,
    ],
    [
      'an unknown neuron',
      ['--neuron', 'lif', '--graph', 'step', '--neurons', '3', '--out', 'X.onnx'],
      /--neuron must be one of/,
    ],
    [
      'no --out',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '3'],
      /--out FILE.onnx is required/,
    ],
    [
      '--neurons 0',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '0', '--out', 'X.onnx'],
      /--neurons takes a whole number/,
    ],
    [
      'a bad --batch-rank',
      [
        '--neuron',
        'feed-forward',
        '--graph',
        'step',
        '--neurons',
        '3',
        '--batch-rank',
        '-1',
        '--out',
        'X.onnx',
      ],
      /--batch-rank/,
    ],
    [
      '--steps on a step graph',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '3', '--steps', '5', '--out', 'X.onnx'],
      /--steps applies/,
    ],
    [
      'weighted without sizes',
      ['--neuron', 'weighted', '--graph', 'step', '--out', 'X.onnx'],
      /needs --neurons N and --inputs M/,
    ],
    ['an unknown flag', ['--neuron', 'feed-forward', '--graph', 'step', '--frobnicate'], /Unknown option/],
    [
      'a missing params file',
      [
        '--neuron',
        'feed-forward',
        '--graph',
        'step',
        '--neurons',
        '3',
        '--params',
        '/no/such.json',
        '--out',
        'X.onnx',
      ],
      /cannot read params file/,
    ],
    [
      'chunked with per-neuron params',
      [
        '--neuron',
        'feed-forward',
        '--graph',
        'parallel',
        '--parallel',
        'chunked',
        '--params',
        'PERNEURON',
        '--out',
        'X.onnx',
      ],
      /chunked parallel graph needs/,
    ],
  ])('%s: one line on stderr, exit 2, nothing written', (_, args, message) => {
    const perNeuron = join(scratch, 'per-neuron.json')
    writeFileSync(perNeuron, JSON.stringify({ vLeak: [0, 1, 2] }))
    const out = join(scratch, 'never.onnx')
    const r = leaky('export', ...args.map((a) => (a === 'X.onnx' ? out : a === 'PERNEURON' ? perNeuron : a)))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(out)).toBe(false)
  })
  it('--help prints the usage and exits 0', () => {
    const r = leaky('export', '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/usage: leaky export --neuron/)
  })
})
