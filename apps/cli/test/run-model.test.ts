/**
 * `leaky run --model FILE.nir`: NIR graphs through the CLI, on the js and node-cpu backends, against
 * the same model built in code and run with @leaky/interop's runModel.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mulberry32, relativeError, type Tensor } from '@leaky/core'
import { type LeakyModel, modelToNir, nirToModel, readNpy, runModel, writeNpy } from '@leaky/interop'
import { closeH5Worker, writeNirFile } from '@leaky/interop/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { leaky } from './run-cli.js'

const scratch = mkdtempSync(join(tmpdir(), 'leaky-run-model-'))
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../packages/interop/fixtures/nir/${name}`, import.meta.url))

function randomTensor(shape: number[], seed: number, scale = 1): Tensor {
  const random = mulberry32(seed)
  const n = shape.reduce((a, b) => a * b, 1)
  return { data: Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale), shape }
}

/** Two CubaLI layers with weights (per-neuron parameters in the first), as a user would build them. */
const cubaLI: LeakyModel = {
  inputs: 4,
  dt: 1e-3,
  layers: [
    {
      name: 'hidden',
      neuron: 'li',
      neurons: 6,
      weights: randomTensor([6, 4], 1),
      params: {
        tauSynInv: Float32Array.from([200, 150, 250, 180, 220, 300]),
        tauMemInv: 100,
        vLeak: Float32Array.from([0, -0.1, 0.1, 0.2, -0.2, 0]),
      },
    },
    {
      name: 'readout',
      neuron: 'li',
      neurons: 3,
      weights: randomTensor([3, 6], 2),
      params: { tauSynInv: 200, tauMemInv: 50, vLeak: 0 },
    },
  ],
}
/** Batch 2: [T, batch, inputs]. */
const input = randomTensor([300, 2, 4], 3, 5)

const nirPath = join(scratch, 'cubali.nir')
const inputPath = join(scratch, 'x.npy')

beforeAll(async () => {
  await writeNirFile(nirPath, modelToNir(cubaLI))
  writeFileSync(inputPath, writeNpy(input))
})
afterAll(() => closeH5Worker())

function runTo(out: string, ...args: string[]) {
  return leaky('run', '--model', nirPath, '--input', inputPath, '--out', join(scratch, out), ...args)
}

describe('leaky run --model', () => {
  it.each([
    ['js', 1e-5],
    ['node-cpu', 1e-4],
  ] as const)(
    'a CubaLI model written with writeNirFile runs on %s equal to the model built in code',
    (backend, tolerance) => {
      const r = runTo(`v-${backend}.npy`, '--backend', backend)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`\\[300, 2, 3\\] voltages from ${backend}`))
      const v = readNpy(readFileSync(join(scratch, `v-${backend}.npy`)))
      const expected = runModel(cubaLI, input)
      expect(v.shape).toEqual(expected.shape)
      expect(relativeError(v.data, expected.data)).toBeLessThanOrEqual(tolerance)
    },
  )

  it('honors --dt (the file says 0.001; the model is re-discretized) and writes JSON', () => {
    const r = runTo('v-dt.json', '--backend', 'js', '--dt', '0.0005')
    expect(r.code).toBe(0)
    const out = JSON.parse(readFileSync(join(scratch, 'v-dt.json'), 'utf8'))
    expect(Object.keys(out)).toEqual(['voltages'])
    const expected = runModel(nirToModel(modelToNir(cubaLI), { dt: 0.0005 }), input)
    expect(relativeError(Float32Array.from(out.voltages.data), expected.data)).toBeLessThanOrEqual(1e-5)
    expect(relativeError(Float32Array.from(out.voltages.data), runModel(cubaLI, input).data)).toBeGreaterThan(
      1e-3,
    )
  })

  it('a model with a NIR LI layer runs whole on js (said on stderr), and is refused on node-cpu', async () => {
    const box: LeakyModel = {
      ...cubaLI,
      layers: [
        cubaLI.layers[0] as LeakyModel['layers'][number],
        { ...(cubaLI.layers[1] as LeakyModel['layers'][number]), neuron: 'li-box' },
      ],
    }
    const path = join(scratch, 'box.nir')
    await writeNirFile(path, modelToNir(box))
    const args = ['--model', path, '--input', inputPath, '--out', join(scratch, 'box.npy')]
    const js = leaky('run', ...args, '--backend', 'js')
    expect(js.code).toBe(0)
    expect(js.stderr).toMatch(/readout \(NIR LI\) is not a core layer: the whole model runs on the js math/)
    const v = readNpy(readFileSync(join(scratch, 'box.npy')))
    expect(relativeError(v.data, runModel(box, input).data)).toBeLessThanOrEqual(1e-5)
    const cpu = leaky('run', ...args, '--backend', 'node-cpu')
    expect(cpu.code).toBe(2)
    expect(cpu.stderr).toMatch(
      /readout \(NIR LI\) run only on the js math .* not on node-cpu: use --backend js/,
    )
  })

  it.each([
    ['norse_braille.nir', ['lif1.lif (CubaLIF)', 'lif2 (CubaLIF)']],
    ['rockpool_braille.nir', ['hidden/lif (CubaLIF)', 'lif2 (CubaLIF)']],
    ['nir_paper_lif_norse.nir', ['1 (LIF)']],
  ])('%s: one line naming every unsupported node, exit 2', (name, nodes) => {
    const r = leaky(
      'run',
      '--model',
      fixture(name),
      '--input',
      inputPath,
      '--out',
      join(scratch, 'never.npy'),
    )
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(`${name}: NIR: ${nodes.length} node(s) leaky cannot run`)
    for (const node of nodes) expect(r.stderr).toContain(node)
  })

  it.each([
    ['--weights with --model', ['--weights', 'w.npy'], /--weights cannot be used with it/],
    ['--record-states with --model', ['--record-states'], /--record-states cannot be used with it/],
  ])('%s: usage error', (_, extra, message) => {
    const r = runTo('never.npy', ...extra)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it('input columns that do not match the model: one line, exit 2', () => {
    const x = join(scratch, 'x5.npy')
    writeFileSync(x, writeNpy(randomTensor([10, 5], 4)))
    const r = leaky('run', '--model', nirPath, '--input', x, '--out', join(scratch, 'never.npy'))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/input must be time-first \[T, ...batch, 4\], got \[10, 5\]/)
  })

  it('a damaged .nir file is a FormatError naming it, exit 2', () => {
    const bad = join(scratch, 'bad.nir')
    writeFileSync(bad, 'not HDF5 at all')
    const r = leaky('run', '--model', bad, '--input', inputPath, '--out', join(scratch, 'never.npy'))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/bad\.nir/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})
