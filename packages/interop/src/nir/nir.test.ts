import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FormatError, jsBackend, type LayerSpec, type Tensor, UnsupportedError } from '@leaky/core'
import h5wasm from 'h5wasm'
import { afterAll, describe, expect, it } from 'vitest'
import { type LeakyModel, runModel, toLayerSpec } from '../model/model.js'
import { closeH5Worker, readNirBytes, readNirFile } from '../node.js'
import { modelToNir, nirToModel } from './convert.js'
import type { NirDocument, NirNode } from './graph.js'
import { inspectNir } from './inspect.js'
import { readNir, writeNir } from './io.js'

const dir = new URL('../../fixtures/nir/', import.meta.url)
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as {
  files: Record<
    string,
    {
      version: string
      nodes: Record<string, { type: string; params: Record<string, { dtype: string; shape: number[] }> }>
      edges: Record<string, [string, string][]>
      affine: Record<string, Record<'weight' | 'bias', { shape: number[]; hex: string }>>
    }
  >
}
const FILES = Object.keys(expected.files)

afterAll(closeH5Worker)

function hex(data: Float32Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')
}

function findNode(doc: NirDocument, path: string): NirNode {
  let nodes = doc.graph.nodes
  let node: NirNode | undefined
  for (const part of path.split('/')) {
    node = nodes.find((n) => n.name === part)
    nodes = node?.graph?.nodes ?? []
  }
  if (!node) throw new Error(`no node ${path}`)
  return node
}

describe('real .nir files (Norse, Rockpool, the NIR paper)', () => {
  it.each(FILES)(
    '%s: inspect lists the nodes, types, parameter shapes and edges h5dump sees',
    async (name) => {
      const want = expected.files[name]
      if (!want) throw new Error(name)
      const doc = await readNirFile(new URL(name, dir).pathname)
      const summary = inspectNir(doc)
      expect(summary.version).toBe(want.version)
      const got = Object.fromEntries(summary.nodes.map((n) => [n.path, n]))
      expect(Object.keys(got).sort()).toEqual(Object.keys(want.nodes).sort())
      for (const [path, node] of Object.entries(want.nodes)) {
        expect(got[path]?.type, path).toBe(node.type)
        expect(got[path]?.params, path).toEqual(
          Object.fromEntries(
            Object.entries(node.params).map(([k, p]) => [k, `${p.dtype} [${p.shape.join(', ')}]`]),
          ),
        )
      }
      const edges = Object.entries(want.edges).flatMap(([graph, list]) =>
        list.map(([from, to]) => ({
          from: graph ? `${graph}/${from}` : from,
          to: graph ? `${graph}/${to}` : to,
        })),
      )
      expect([...summary.edges].sort(byEdge)).toEqual(edges.sort(byEdge))
    },
  )

  it('reads gzip-compressed datasets written by HDF5 itself identically to the uncompressed file', async () => {
    expect(
      (expected.files['rockpool_braille_gzip.nir'] as unknown as { gzip_datasets: number }).gzip_datasets,
    ).toBe(4)
    const plain = await readNirFile(new URL('rockpool_braille.nir', dir).pathname)
    const gzip = await readNirFile(new URL('rockpool_braille_gzip.nir', dir).pathname)
    expect(gzip).toEqual(plain)
  })

  it('gives input and output shapes from the parameters', async () => {
    const summary = inspectNir(await readNirFile(new URL('rockpool_braille.nir', dir).pathname))
    const shapes = Object.fromEntries(summary.nodes.map((n) => [n.path, [n.inputShape, n.outputShape]]))
    expect(shapes.input).toEqual([[12], [12]])
    expect(shapes.fc1).toEqual([[12], [38]])
    expect(shapes.hidden).toEqual([[12], [38]])
    expect(shapes['hidden/lif']).toEqual([[38], [38]])
    expect(shapes.lif2).toEqual([[7], [7]])
    expect(shapes.output).toEqual([[7], [7]])
  })

  it.each(FILES)('%s: Affine weights and biases are bit-exact (vs raw bytes from h5dump)', async (name) => {
    const doc = await readNir(readFileSync(new URL(name, dir)))
    const affine = expected.files[name]?.affine ?? {}
    expect(Object.keys(affine).length).toBeGreaterThan(0)
    for (const [path, arrays] of Object.entries(affine)) {
      const node = findNode(doc, path)
      for (const key of ['weight', 'bias'] as const) {
        const p = node.params[key]
        expect(p?.data).toBeInstanceOf(Float32Array)
        expect(p?.shape).toEqual(arrays[key].shape)
        expect(hex(p?.data as Float32Array), `${path}.${key}`).toBe(arrays[key].hex)
      }
    }
  })

  it.each([
    ['norse_braille.nir', ['lif1.lif (CubaLIF)', 'lif2 (CubaLIF)']],
    ['rockpool_braille.nir', ['hidden/lif (CubaLIF)', 'lif2 (CubaLIF)']],
    ['nir_paper_lif_norse.nir', ['1 (LIF)']],
    ['rockpool_braille_gzip.nir', ['hidden/lif (CubaLIF)', 'lif2 (CubaLIF)']],
  ])('%s: mapping to a model names every unsupported node', async (name, nodes) => {
    const doc = await readNirFile(new URL(name, dir).pathname)
    const error = (() => {
      try {
        nirToModel(doc)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UnsupportedError)
    const message = (error as Error).message
    for (const n of nodes) expect(message).toContain(n)
    expect(message).toContain(`${nodes.length} node(s)`)
    expect(inspectNir(doc).unsupported.map((u) => `${u.path} (${u.type})`)).toEqual(nodes)
  })
})

// A model with every feature: Affine with bias, per-neuron parameters, the box LI, a layer without weights.
function sampleModel(): LeakyModel {
  const w1 = Float32Array.from({ length: 4 * 3 }, (_, k) => Math.fround(Math.sin(k + 1)))
  const w2 = Float32Array.from({ length: 2 * 4 }, (_, k) => Math.fround(Math.cos(k) / 2))
  return {
    inputs: 3,
    dt: 1e-3,
    layers: [
      {
        name: 'hidden',
        neuron: 'li',
        neurons: 4,
        weights: { data: w1, shape: [4, 3] },
        bias: Float32Array.of(0.5, -0.25, 0, 1),
        params: {
          tauSynInv: Float32Array.of(200, 150, 100, 50),
          tauMemInv: 100,
          vLeak: Float32Array.of(0, 0.1, -0.2, 0.3),
        },
      },
      {
        name: 'readout',
        neuron: 'li-box',
        neurons: 2,
        weights: { data: w2, shape: [2, 4] },
        params: { tauSynInv: 200, tauMemInv: 80, vLeak: 0 },
      },
      { name: 'smooth', neuron: 'li', neurons: 2, params: { tauSynInv: 300, tauMemInv: 30, vLeak: -0.5 } },
    ],
  }
}

function sequence(steps: number, width: number, seed = 1): Tensor {
  let s = seed
  const data = Float32Array.from({ length: steps * width }, () => {
    s = (s * 16807) % 2147483647
    return Math.fround(s / 2147483647 - 0.4) * 3
  })
  return { data, shape: [steps, width] }
}

describe('leaky model ↔ .nir', () => {
  it('round trips a model through .nir bytes unchanged (in-thread and worker readers)', async () => {
    const model = sampleModel()
    const bytes = await writeNir(modelToNir(model))
    expect(nirToModel(await readNir(bytes))).toEqual(model)
    expect(nirToModel(await readNirBytes(bytes))).toEqual(model)
  })

  it('writes Input → Affine → CubaLI|LI → … → Output with dt in the graph metadata', async () => {
    const doc = await readNir(await writeNir(modelToNir(sampleModel())))
    expect(doc.graph.nodes.map((n) => `${n.name}:${n.type}`).sort()).toEqual(
      [
        'input:Input',
        'hidden_affine:Affine',
        'hidden:CubaLI',
        'readout_affine:Affine',
        'readout:LI',
        'smooth:CubaLI',
        'output:Output',
      ].sort(),
    )
    expect(doc.graph.edges).toEqual([
      ['input', 'hidden_affine'],
      ['hidden_affine', 'hidden'],
      ['hidden', 'readout_affine'],
      ['readout_affine', 'readout'],
      ['readout', 'smooth'],
      ['smooth', 'output'],
    ])
    const hidden = findNode(doc, 'hidden')
    // r = 1 and w_in = tau_syn/dt: one step adds (dt/tau_syn)·w_in·x = x to the current, as Norse's LI.
    expect(Array.from(hidden.params.r?.data as Float64Array)).toEqual([1, 1, 1, 1])
    expect(Array.from(hidden.params.w_in?.data as Float64Array)).toEqual([5, 1 / 150 / 1e-3, 10, 20])
    expect(doc.graph.metadata.dt).toEqual({ dtype: '<f8', shape: [1], data: Float64Array.of(1e-3) })
  })

  it('a CubaLI model read from .nir runs on the js backend exactly as the same layer built in code', async () => {
    const weights: Tensor = {
      data: Float32Array.from({ length: 5 * 3 }, (_, k) => Math.fround((k % 7) / 5 - 0.5)),
      shape: [5, 3],
    }
    const code: LayerSpec = {
      neurons: 5,
      weights,
      params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0.5 },
      dt: 1e-3,
    }
    const model: LeakyModel = {
      inputs: 3,
      dt: 1e-3,
      layers: [{ name: 'li', neuron: 'li', neurons: 5, weights, params: code.params as never }],
    }
    const fromFile = nirToModel(await readNirBytes(await writeNir(modelToNir(model))))
    const xs = sequence(50, 3)
    const a = await (await jsBackend.createLayer(toLayerSpec(fromFile, 0))).run(xs)
    const b = await (await jsBackend.createLayer(code)).run(xs)
    expect(a.voltages.data).toEqual(b.voltages.data)
    expect(runModel(fromFile, xs).data).toEqual(b.voltages.data)
  })

  it('folds r·w_in·dt/tau_syn into the weights (a file written with r = w_in = 1, as Norse exports)', async () => {
    const model: LeakyModel = {
      inputs: 2,
      dt: 1e-3,
      layers: [
        {
          name: 'li',
          neuron: 'li',
          neurons: 2,
          weights: { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] },
          params: { tauSynInv: 200, tauMemInv: 100, vLeak: 0 },
        },
      ],
    }
    const doc = modelToNir(model)
    const li = doc.graph.nodes.find((n) => n.type === 'CubaLI') as NirNode
    ;(param(li, 'w_in') as Float64Array).fill(1)
    ;(param(li, 'r') as Float64Array).fill(3)
    const read = nirToModel(await readNir(await writeNir(doc)))
    // g = r·w_in·dt/tau_syn = 3·1·1e-3·200 = 0.6
    const g = Math.fround(3 * 1e-3 * 200)
    expect(Array.from(read.layers[0]?.weights?.data ?? [])).toEqual(
      [1, 2, 3, 4].map((w) => Math.fround(g * w)),
    )
    // Another dt rescales the same continuous-time model.
    const half = nirToModel(await readNir(await writeNir(doc)), { dt: 5e-4 })
    expect(half.dt).toBe(5e-4)
    expect(half.layers[0]?.weights?.data[0]).toBe(Math.fround(Math.fround(3 * 5e-4 * 200)))
  })

  it('reads gzip-compressed datasets (as nir.write makes by default)', async () => {
    const model = sampleModel()
    const bytes = await writeNir(modelToNir(model), { gzip: 6 })
    const { FS } = await h5wasm.ready
    FS.writeFile('/gzip-check.nir', bytes)
    const f = new h5wasm.File('/gzip-check.nir', 'r')
    const weight = f.get('node/nodes/hidden_affine/weight') as InstanceType<typeof h5wasm.Dataset>
    expect(weight.filters.map((x) => x.name)).toContain('deflate')
    f.close()
    FS.unlink('/gzip-check.nir')
    expect(nirToModel(await readNirBytes(bytes))).toEqual(model)
  })

  it('inlines nested NIRGraph subgraphs (edges into and out of a subgraph name)', async () => {
    const flat = modelToNir(sampleModel())
    const byName = new Map(flat.graph.nodes.map((n) => [n.name, n]))
    const sub = (name: string): NirNode => {
      const inner = byName.get(name) as NirNode
      const n = inner.params.v_leak?.shape[0] as number
      const shape = { dtype: '<i8', shape: [1], data: BigInt64Array.of(BigInt(n)) }
      return {
        name: `${name}_graph`,
        path: `${name}_graph`,
        type: 'NIRGraph',
        params: {},
        graph: {
          nodes: [
            { name: 'input', path: '', type: 'Input', params: { shape } },
            { ...inner, path: '' },
            { name: 'output', path: '', type: 'Output', params: { shape } },
          ],
          edges: [
            ['input', name],
            [name, 'output'],
          ],
          metadata: {},
        },
      }
    }
    const nested: NirDocument = {
      version: flat.version,
      graph: {
        ...flat.graph,
        nodes: flat.graph.nodes.map((n) => (n.name === 'hidden' ? sub('hidden') : n)),
        edges: flat.graph.edges.map(
          ([a, b]) => [a === 'hidden' ? 'hidden_graph' : a, b === 'hidden' ? 'hidden_graph' : b] as const,
        ),
      },
    }
    const model = nirToModel(await readNir(await writeNir(nested)))
    expect(model.layers.map((l) => l.name)).toEqual(['hidden_graph/hidden', 'readout', 'smooth'])
    expect(runModel(model, sequence(20, 3)).data).toEqual(runModel(sampleModel(), sequence(20, 3)).data)
  })

  it('refuses branches and recurrent edges with an UnsupportedError, and bad parameters with a FormatError', async () => {
    const doc = modelToNir(sampleModel())
    const recurrent = {
      ...doc,
      graph: { ...doc.graph, edges: [...doc.graph.edges, ['hidden', 'hidden_affine'] as const] },
    }
    expect(() => nirToModel(recurrent)).toThrow(/branches and recurrent/)
    const li = doc.graph.nodes.find((n) => n.name === 'hidden') as NirNode
    ;(param(li, 'tau_syn') as Float64Array)[1] = 0
    expect(() => nirToModel(doc)).toThrow(FormatError)
  })

  it.skipIf(!hasH5dump())('writes files HDF5’s own tools read as NIR lays them out', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'leaky-nir-')), 'model.nir')
    writeFileSync(path, await writeNir(modelToNir(sampleModel())))
    const listing = execFileSync('h5ls', ['-r', path], { encoding: 'utf8' })
    expect(listing).toMatch(/\/node\/edges\s+Dataset \{6, 2\}/)
    expect(listing).toMatch(/\/node\/nodes\/hidden\/tau_syn\s+Dataset \{4\}/)
    expect(listing).toMatch(/\/version\s+Dataset \{SCALAR\}/)
    const type = execFileSync('h5dump', ['-d', '/node/nodes/hidden/type', path], { encoding: 'utf8' })
    expect(type).toContain('"CubaLI"')
    expect(type).toContain('H5T_VARIABLE')
  })
})

function param(node: NirNode, name: string) {
  const p = node.params[name]
  if (!p) throw new Error(`${node.path} has no ${name}`)
  return p.data
}

function hasH5dump(): boolean {
  try {
    execFileSync('h5dump', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function byEdge(a: { from: string; to: string }, b: { from: string; to: string }): number {
  return `${a.from}>${a.to}`.localeCompare(`${b.from}>${b.to}`)
}
