/**
 * Every `leaky export` variant runs in Python's onnxruntime (the pinned 1.30, as the JS packages),
 * fed by the Python block of packages/onnx/README.md executed as written, from nothing but the
 * contract JSON and the caller's arrays; the results equal Norse's golden cases within the
 * contract's tolerance.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Tensor } from '@leaky/core'
import { type GoldenCase, goldenError } from '@leaky/core/conformance'
import { readGoldenFile } from '@leaky/core/conformance/node'
import { readNpy, writeNpy } from '@leaky/interop'
import type { ModelContract } from '@leaky/onnx'
import { beforeAll, describe, expect, it } from 'vitest'
import { python, pythonMissing, pythonRequired, runPython } from '../../../scripts/python/python.js'
import { goldenFile, leaky } from './run-cli.js'

const readme = fileURLToPath(new URL('../../../packages/onnx/README.md', import.meta.url))
const driver = fileURLToPath(new URL('./python/readme_snippet.py', import.meta.url))
const golden = readGoldenFile(goldenFile)
const byName = (name: string) => golden.cases.find((c) => c.name === name) as GoldenCase
const json = (p: number | Float32Array) => (typeof p === 'number' ? p : Array.from(p))

/**
 * A golden case that starts from rest (the contract's convention), per neuron kind and batch rank.
 * ff_leak_negative has scalar parameters, so feed-forward is elementwise and [T, 4] may be laid out
 * as [T, 2, 2] or [T, 2, 1, 2]; w_batched_spikes [T, 4, 16] splits its batch as [T, 2, 2, 16].
 */
function goldenInput(neuron: 'feed-forward' | 'weighted', rank: number): { c: GoldenCase; xs: Tensor } {
  const c = byName(
    neuron === 'feed-forward' ? 'ff_leak_negative' : rank === 0 ? 'w_norse_test' : 'w_batched_spikes',
  )
  const T = c.input.shape[0] as number
  const layouts =
    neuron === 'feed-forward'
      ? [
          [T, 4],
          [T, 2, 2],
          [T, 2, 1, 2],
        ]
      : [c.input.shape, c.input.shape, [T, 2, 2, 16]]
  return { c, xs: { data: c.input.data, shape: layouts[rank] as number[] } }
}

const graphs = [
  ['step', []],
  ['sequence', []],
  ['sequence', ['--steps', 'T']],
  ['parallel doubling', ['--parallel', 'doubling']],
  ['parallel doubling', ['--parallel', 'doubling', '--steps', 'T']],
  ['parallel chunked', ['--parallel', 'chunked']],
  ['parallel chunked', ['--parallel', 'chunked', '--steps', 'T']],
] as const
const neurons = ['feed-forward', 'weighted, weights baked', 'weighted, weights input'] as const
/** Every graph × neuron × parameters; the batch rank cycles 0, 1, 2 so each pairing meets each rank. */
const variants = graphs
  .flatMap(([graph, extra]) =>
    neurons.flatMap((neuron) =>
      (['baked', 'inputs'] as const)
        // The chunked graph bakes its kernel from the parameters: 'inputs' is refused there.
        .filter((p) => !(graph === 'parallel chunked' && p === 'inputs'))
        .map((parameters) => ({ graph, extra, neuron, parameters })),
    ),
  )
  .map((v, k) => ({
    ...v,
    rank: k % 3,
    label: `${v.graph}${v.graph === 'step' ? '' : (v.extra as readonly string[]).includes('--steps') ? ', T fixed' : ', T symbolic'}, ${v.neuron}, params ${v.parameters}, batch rank ${k % 3}`,
  }))

const scratch = mkdtempSync(join(tmpdir(), 'leaky-export-python-'))

describe.skipIf(!python)('leaky export, run by the README snippet in Python onnxruntime 1.30', () => {
  const folders: string[] = []
  beforeAll(() => {
    for (const [k, v] of variants.entries()) {
      const dir = join(scratch, `v${k}`)
      mkdirSync(dir)
      folders.push(dir)
      const weighted = v.neuron !== 'feed-forward'
      const { c, xs } = goldenInput(weighted ? 'weighted' : 'feed-forward', v.rank)
      const T = String(xs.shape[0])
      const params = join(dir, 'params.json')
      writeFileSync(
        params,
        JSON.stringify({
          tauSynInv: json(c.params.tauSynInv),
          tauMemInv: json(c.params.tauMemInv),
          vLeak: json(c.params.vLeak),
        }),
      )
      const w = c.weights as Tensor
      const args = [
        '--graph',
        v.graph.split(' ')[0] as string,
        ...v.extra.map((a) => (a === 'T' ? T : a)),
        '--parameters',
        v.parameters,
        '--batch-rank',
        String(v.rank),
        '--params',
        params,
        '--dt',
        String(c.dt),
      ]
      if (!weighted) args.push('--neuron', 'feed-forward', '--neurons', String(xs.shape.at(-1)))
      else if (v.neuron === 'weighted, weights baked') {
        writeFileSync(join(dir, 'w.json'), JSON.stringify({ shape: w.shape, data: Array.from(w.data) }))
        args.push('--neuron', 'weighted', '--weights', join(dir, 'w.json'))
      } else {
        args.push('--neuron', 'weighted', '--neurons', String(w.shape[0]), '--inputs', String(w.shape[1]))
        writeFileSync(join(dir, 'weights.npy'), writeNpy(w))
      }
      const r = leaky('export', ...args, '--out', join(dir, 'li.onnx'))
      if (r.code !== 0) throw new Error(`${v.label}: leaky export failed: ${r.stderr}`)
      writeFileSync(join(dir, 'xs.npy'), writeNpy(xs))
    }
    // One Python process runs the snippet in every folder (onnxruntime's import is the slow part).
    runPython(driver, [readme, ...folders])
  }, 300_000)

  it.each(variants.map((v, k) => [v.label, k] as const))('%s', (_, k) => {
    const v = variants[k] as (typeof variants)[number]
    const dir = folders[k] as string
    const contract = JSON.parse(readFileSync(join(dir, 'li.json'), 'utf8')) as ModelContract
    expect(contract.batchRank).toBe(v.rank)
    expect(contract.graph).toBe(v.graph.split(' ')[0])
    expect(contract.parameters).toBe(v.parameters)
    expect(contract.weights).toBe(
      v.neuron === 'feed-forward' ? 'none' : v.neuron.endsWith('baked') ? 'baked' : 'input',
    )
    const { c, xs } = goldenInput(v.neuron === 'feed-forward' ? 'feed-forward' : 'weighted', v.rank)
    const out = (name: string) => readNpy(readFileSync(join(dir, `out_${name}.npy`)))
    const voltages = out('voltages')
    expect(voltages.shape).toEqual([
      ...xs.shape.slice(0, -1),
      v.neuron === 'feed-forward' ? xs.shape.at(-1) : c.outputs.shape.at(-1),
    ])
    // From rest, as the contract's convention: v0 = vLeak (a scalar in these cases), i0 = 0.
    expect(Array.from(c.initial.v.data).every((x) => x === Math.fround(c.params.vLeak as number))).toBe(true)
    expect(Array.from(c.initial.i.data).every((x) => x === 0)).toBe(true)
    const error = goldenError(
      c,
      { data: voltages.data, shape: c.outputs.shape },
      {
        v: { data: out('v_final').data, shape: c.final.v.shape },
        i: { data: out('i_final').data, shape: c.final.i.shape },
      },
    )
    expect(error).toBeLessThanOrEqual(contract.tolerance)
  })
})

if (!python)
  describe('Python tools', () => {
    it.skipIf(!pythonRequired)(`${pythonMissing} (required under CI)`, () => {
      throw new Error(`${pythonMissing}: CI must run the Python-tool tests`)
    })
  })
