/**
 * NIR against its reference library (nir 1.0.8 from PyPI) and native HDF5 (h5py 3.16, HDF5 2.0):
 * - nir.read reads every .nir leaky writes, every parameter bit-equal, nested subgraphs nested;
 * - leaky reads every graph nir.write writes, runs it, and matches an independent float32 reference
 *   of the documented convention (test/python/nir_tools.py), 0-d parameters included;
 * - among the fixtures, leaky reads exactly the files native HDF5 reads, to the same bytes.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { relativeError, tensor } from '@leaky/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { python, pythonMissing, pythonRequired, runPython } from '../../../scripts/python/python.js'
import type { LeakyModel, NirDocument, NirGraph } from '../src/index.js'
import { modelToNir, nirToModel, readNpy, runModel } from '../src/index.js'
import { closeH5Worker, readNirFile, writeNirFile } from '../src/node.js'

const script = fileURLToPath(new URL('./python/nir_tools.py', import.meta.url))
const fixtures = fileURLToPath(new URL('../fixtures/nir/', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'leaky-nir-python-'))

afterAll(closeH5Worker)

interface PyArray {
  readonly dtype: string
  readonly shape: number[]
  readonly hex: string
}
interface PyGraph {
  readonly nodes: Record<string, { type: string; params?: Record<string, PyArray>; graph?: PyGraph }>
  readonly edges: [string, string][]
}

const hex = (data: ArrayBufferView) =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')
const f32 = (values: number[]) => Float32Array.from(values)

/** The models leaky writes: CubaLI and LI, Affine (bias or not), chains, per-neuron, nested. */
function leakyModels(): [string, LeakyModel | NirDocument][] {
  const chain: LeakyModel = {
    inputs: 3,
    dt: 0.001,
    layers: [
      {
        name: 'l1',
        neuron: 'li',
        neurons: 4,
        weights: tensor(
          Array.from({ length: 12 }, (_, k) => k / 7 - 0.8),
          [4, 3],
        ),
        params: { tauSynInv: f32([200, 150, 120, 90]), tauMemInv: 100, vLeak: f32([0, 0.1, -0.2, 0.3]) },
      },
      {
        name: 'l2',
        neuron: 'li',
        neurons: 2,
        weights: tensor([0.5, -1, 2, 0.25, 1, 1, -1, 3], [2, 4]),
        bias: f32([0.1, -0.3]),
        params: { tauSynInv: 180, tauMemInv: 70, vLeak: -0.1 },
      },
    ],
  }
  const box: LeakyModel = {
    inputs: 3,
    dt: 0.0005,
    layers: [
      {
        name: 'box',
        neuron: 'li-box',
        neurons: 3,
        params: { tauSynInv: 200, tauMemInv: f32([50, 80, 120]), vLeak: 0 },
      },
    ],
  }
  const nested: LeakyModel = {
    inputs: 2,
    dt: 0.001,
    layers: [
      {
        ...(chain.layers[0] as LeakyModel['layers'][number]),
        name: 'hidden/lif',
        weights: tensor(Array(8).fill(0.5), [4, 2]),
      },
      { ...(chain.layers[1] as LeakyModel['layers'][number]), name: 'hidden/deeper/out' },
      {
        name: 'readout',
        neuron: 'li-box',
        neurons: 2,
        params: { tauSynInv: 200, tauMemInv: 90, vLeak: 0.2 },
      },
    ],
  }
  // A Linear node (weights without a bias) as a document: modelToNir always writes Affine.
  const linearDoc = modelToNir(box)
  const linear: NirDocument = {
    ...linearDoc,
    graph: {
      ...linearDoc.graph,
      nodes: [
        ...linearDoc.graph.nodes,
        {
          name: 'fc',
          path: 'fc',
          type: 'Linear',
          params: { weight: { dtype: '<f4', shape: [3, 3], data: f32([1, 0, 2, 0, 1, 0, -1, 0, 1]) } },
        },
      ],
      edges: [
        ['input', 'fc'],
        ['fc', 'box'],
        ['box', 'output'],
      ],
    },
  }
  return [
    ['chain', chain],
    ['box', box],
    ['nested', nested],
    ['linear', linear],
  ]
}

describe.skipIf(!python)('nir.read reads what leaky writes', () => {
  const dir = join(scratch, 'leaky')
  const written = new Map<string, NirDocument>()
  let read: Record<string, PyGraph> = {}
  beforeAll(async () => {
    mkdirSync(dir)
    for (const [name, m] of leakyModels()) {
      const doc = 'graph' in m ? m : modelToNir(m)
      written.set(`${name}.nir`, doc)
      await writeNirFile(join(dir, `${name}.nir`), doc)
      written.set(`${name}_gzip.nir`, doc)
      await writeNirFile(join(dir, `${name}_gzip.nir`), doc, { gzip: 4 })
    }
    read = JSON.parse(runPython(script, ['read', dir]))
  })
  it.each(['chain', 'box', 'nested', 'linear'].flatMap((n) => [`${n}.nir`, `${n}_gzip.nir`]))(
    '%s: every node, edge and parameter as leaky wrote it (bit-equal), subgraphs nested',
    (file) => {
      const compare = (ours: NirGraph, theirs: PyGraph | undefined, where: string) => {
        expect(theirs, where).toBeDefined()
        expect(Object.keys(theirs?.nodes ?? {}).sort(), where).toEqual(ours.nodes.map((n) => n.name).sort())
        expect(theirs?.edges, where).toEqual(ours.edges.map((e) => [...e]))
        for (const node of ours.nodes) {
          const t = theirs?.nodes[node.name]
          expect(t?.type, node.path).toBe(node.type)
          if (node.graph) {
            compare(node.graph, t?.graph, node.path)
            continue
          }
          for (const [key, p] of Object.entries(node.params)) {
            // nir keeps an Input/Output's shape as input_type/output_type.
            const value =
              t?.params?.[key] ?? t?.params?.[`${node.type.toLowerCase()}_type.${node.type.toLowerCase()}`]
            expect(value, `${node.path}.${key}`).toBeDefined()
            expect(value?.dtype, `${node.path}.${key}`).toBe(p.dtype)
            expect(value?.shape, `${node.path}.${key}`).toEqual([...p.shape])
            expect(value?.hex, `${node.path}.${key}`).toBe(hex(p.data))
          }
        }
      }
      compare((written.get(file) as NirDocument).graph, read[file], file)
    },
  )
  it('a nested model reads back from its own file to the same layers, names and values', async () => {
    const [, nested] = leakyModels()[2] as [string, LeakyModel]
    const back = nirToModel(await readNirFile(join(dir, 'nested.nir')))
    expect(back.layers.map((l) => l.name)).toEqual(['hidden/lif', 'hidden/deeper/out', 'readout'])
    const xs = tensor(
      Array.from({ length: 20 * 2 }, (_, k) => Math.sin(k)),
      [20, 2],
    )
    expect(runModel(back, xs).data).toEqual(runModel(nested, xs).data)
  })
})

describe.skipIf(!python)('leaky reads and runs what nir.write writes', () => {
  const dir = join(scratch, 'nir')
  let manifest: { name: string; dt: number; layers: number }[] = []
  beforeAll(() => {
    runPython(script, ['write', dir])
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  })
  it.each(['chain_gzip', 'linear_li', 'affine_bias', 'scalar_params', 'no_weights', 'nested'])(
    '%s: runs to the float32 reference of the convention',
    async (name) => {
      const entry = manifest.find((m) => m.name === name)
      expect(entry, name).toBeDefined()
      const model = nirToModel(await readNirFile(join(dir, `${name}.nir`)), { dt: entry?.dt as number })
      expect(model.layers).toHaveLength(entry?.layers as number)
      const xs = readNpy(readFileSync(join(dir, `${name}.xs.npy`)))
      const expected = readNpy(readFileSync(join(dir, `${name}.expected.npy`)))
      const v = runModel(model, xs)
      expect(v.shape).toEqual(expected.shape)
      expect(relativeError(v.data, expected.data)).toBeLessThanOrEqual(1e-5)
    },
  )
})

describe.skipIf(!python)('the fixtures: leaky reads exactly what native HDF5 reads', () => {
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.nir'))
  it.each(files)('%s', async (file) => {
    // A damaged file can make native HDF5 loop (damaged_hangs_hdf5.nir): 6 s, then it "hangs".
    const r = spawnSync(python as string, [script, 'hdf5', join(fixtures, file)], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    const native =
      r.status === null
        ? { status: 'hangs' }
        : (JSON.parse(r.stdout) as {
            status: string
            datasets?: Record<string, PyArray | { text: string[] }>
          })
    let ours: NirDocument | undefined
    let refusal = ''
    try {
      ours = await readNirFile(join(fixtures, file), { timeoutMs: 5_000 })
    } catch (error) {
      refusal = (error as Error).message
    }
    expect(
      ours !== undefined ? 'read' : 'refused',
      `${file}: native HDF5 ${native.status}, leaky: ${refusal || 'read'}`,
    ).toBe(native.status === 'read' ? 'read' : 'refused')
    if (!ours || !native.datasets) return
    // Every numeric parameter leaky holds is the dataset native HDF5 reads, byte for byte.
    const walk = (
      g: NirGraph,
      prefix: string,
    ): [string, NirDocument['graph']['nodes'][number]['params'][string]][] =>
      g.nodes.flatMap((n) =>
        n.graph
          ? walk(n.graph, `${prefix}nodes/${n.name}/`)
          : Object.entries(n.params).map(
              ([k, p]) => [`${prefix}nodes/${n.name}/${k}`, p] as [string, typeof p],
            ),
      )
    const params = walk(ours.graph, 'node/')
    expect(params.length).toBeGreaterThan(5)
    for (const [path, p] of params) {
      const d = native.datasets[path] as PyArray | undefined
      expect(d, path).toBeDefined()
      expect(p.dtype, path).toBe(d?.dtype)
      expect([...p.shape], path).toEqual(d?.shape)
      expect(hex(p.data), path).toBe(d?.hex)
    }
    const edges = native.datasets['node/edges'] as { text: string[] }
    expect(ours.graph.edges.flat()).toEqual(edges.text)
  })
})

if (!python)
  describe('Python tools', () => {
    it.skipIf(!pythonRequired)(`${pythonMissing} (required under CI)`, () => {
      throw new Error(`${pythonMissing}: CI must run the Python-tool tests`)
    })
  })
