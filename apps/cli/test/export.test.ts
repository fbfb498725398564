/**
 * `leaky export`: the written model loads in onnxruntime-node and reproduces Norse's golden cases
 * when fed using nothing but the contract JSON written beside it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Tensor } from '@leaky/core'
import { type GoldenCase, goldenError } from '@leaky/core/conformance'
import { readGoldenFile } from '@leaky/core/conformance/node'
import type { ModelContract } from '@leaky/onnx'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { goldenFile, leaky } from './run-cli.js'

const scratch = mkdtempSync(join(tmpdir(), 'leaky-export-'))
const golden = readGoldenFile(goldenFile)
const byName = (name: string) => golden.cases.find((c) => c.name === name) as GoldenCase

const json = (p: number | Float32Array) => (typeof p === 'number' ? p : Array.from(p))

/** Feeds built from the contract alone (names, shapes, params, initial-state convention) + the case's data. */
function feedsFromContract(contract: ModelContract, c: GoldenCase): Record<string, ort.Tensor> {
  const N = contract.neurons
  const perNeuron = (p: number | number[]) =>
    Float32Array.from({ length: N }, (_, k) => (typeof p === 'number' ? p : (p[k] as number)))
  const stateShape = c.initial.v.shape
  const rows = stateShape.slice(0, -1).reduce((p, d) => p * d, 1)
  const vLeak = perNeuron(contract.params.vLeak)
  const feeds: Record<string, ort.Tensor> = {}
  for (const input of contract.inputs) {
    let t: Tensor
    switch (input.name) {
      case 'xs':
        t = c.input
        break
      case 'v0':
        t = {
          data: Float32Array.from({ length: rows * N }, (_, k) => vLeak[k % N] as number),
          shape: stateShape,
        }
        break
      case 'i0':
        t = { data: new Float32Array(rows * N), shape: stateShape }
        break
      case 'tau_syn_inv':
        t = { data: perNeuron(contract.params.tauSynInv), shape: [N] }
        break
      case 'tau_mem_inv':
        t = { data: perNeuron(contract.params.tauMemInv), shape: [N] }
        break
      case 'v_leak':
        t = { data: vLeak, shape: [N] }
        break
      case 'weights':
        t = c.weights as Tensor
        break
      default:
        throw new Error(`the contract names an input this test does not know: ${input.name}`)
    }
    // Every fixed dim of the contract must match what is fed; symbolic ones are free.
    expect(t.shape.length).toBe(input.shape.length)
    input.shape.forEach((d, k) => {
      if (typeof d === 'number') expect(t.shape[k]).toBe(d)
    })
    feeds[input.name] = new ort.Tensor('float32', t.data, [...t.shape])
  }
  return feeds
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
  const session = await ort.InferenceSession.create(readFileSync(out))
  expect(session.inputNames).toEqual(contract.inputs.map((t) => t.name))
  // The golden cases used here start from rest, the contract's convention: v0 = vLeak, i0 = 0.
  const feeds = feedsFromContract(contract, c)
  expect(Array.from(feeds.v0?.data as Float32Array)).toEqual(Array.from(c.initial.v.data))
  const out2 = await session.run(feeds)
  const tensorOf = (name: string, shape: readonly number[]): Tensor => ({
    data: out2[name]?.data as Float32Array,
    shape,
  })
  const error = goldenError(c, tensorOf('voltages', c.outputs.shape), {
    v: tensorOf('v_final', c.final.v.shape),
    i: tensorOf('i_final', c.final.i.shape),
  })
  await session.release()
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
  it.each([
    ['no --graph', ['--neuron', 'feed-forward', '--neurons', '3', '--out', 'X'], /--graph .* is required/],
    [
      'an unknown graph',
      ['--neuron', 'feed-forward', '--graph', 'loop', '--neurons', '3', '--out', 'X'],
      /--graph must be one of/,
    ],
    [
      'an unknown neuron',
      ['--neuron', 'lif', '--graph', 'step', '--neurons', '3', '--out', 'X'],
      /--neuron must be one of/,
    ],
    [
      'no --out',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '3'],
      /--out FILE.onnx is required/,
    ],
    [
      '--neurons 0',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '0', '--out', 'X'],
      /--neurons takes a whole number/,
    ],
    [
      'a bad --batch-rank',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '3', '--batch-rank', '-1', '--out', 'X'],
      /--batch-rank/,
    ],
    [
      '--steps on a step graph',
      ['--neuron', 'feed-forward', '--graph', 'step', '--neurons', '3', '--steps', '5', '--out', 'X'],
      /--steps applies/,
    ],
    [
      'weighted without sizes',
      ['--neuron', 'weighted', '--graph', 'step', '--out', 'X'],
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
        'X',
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
        'X',
      ],
      /chunked parallel graph needs/,
    ],
  ])('%s: one line on stderr, exit 2, nothing written', (_, args, message) => {
    const perNeuron = join(scratch, 'per-neuron.json')
    writeFileSync(perNeuron, JSON.stringify({ vLeak: [0, 1, 2] }))
    const out = join(scratch, 'never.onnx')
    const r = leaky('export', ...args.map((a) => (a === 'X' ? out : a === 'PERNEURON' ? perNeuron : a)))
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
