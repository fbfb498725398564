/**
 * The ONNX graphs of @leaky/onnx on onnxruntime-node (CPU): a feed-forward layer, T = 1000, Norse's
 * default parameters, at N = 1e3 and 1e5. Step-by-step session.run calls vs the exact sequence graph
 * (Scan) vs the parallel graphs (doubling, chunked), in neuron-steps/s and as a ratio to the C
 * limit (li_roofline.c) measured in the same run. Not a test: a figure for the issue and the docs.
 *
 *   pnpm bench:onnx [N ...] [--threads K]        e.g. pnpm bench:onnx 1000 --threads 1
 */
import { loadavg } from 'node:os'
import { bestCFigure, measure, measureCReferences } from '@leaky/bench'
import { mulberry32, resolveSpec } from '@leaky/core'
import { type LayerModelOptions, layerModel, SEQUENCE_IO, STEP_IO } from '@leaky/onnx'
import * as ort from 'onnxruntime-node'

const T = 1000
const args = process.argv.slice(2)
const threadsAt = args.indexOf('--threads')
const threads = threadsAt >= 0 ? Number(args[threadsAt + 1]) : 2
const sizes = args.filter((a, k) => !a.startsWith('--') && k !== threadsAt + 1).map(Number)
const Ns = sizes.length ? sizes : [1e3, 1e5]
const format = (x: number) => x.toExponential(2)

const GRAPHS: { name: string; options: LayerModelOptions }[] = [
  { name: 'step × T calls', options: { graph: 'step' } },
  { name: 'sequence (Scan)', options: { graph: 'sequence' } },
  { name: 'parallel doubling', options: { graph: 'parallel', parallel: 'doubling', steps: T } },
  { name: 'parallel chunked', options: { graph: 'parallel', parallel: 'chunked', steps: T } },
]

function input(n: number): Float32Array {
  const random = mulberry32(12345)
  return Float32Array.from({ length: n }, () => random() * 2 - 1)
}

async function rate(N: number, options: LayerModelOptions): Promise<{ median: number; best: number }> {
  const { bytes } = layerModel(resolveSpec({ neurons: N }), options)
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
  })
  const xs = input(T * N)
  const zeros = new ort.Tensor('float32', new Float32Array(N), [N])
  const repetitions = N >= 1e5 ? 3 : 7
  let run: () => Promise<unknown>
  if (options.graph === 'step') {
    const xsteps = Array.from(
      { length: T },
      (_, t) => new ort.Tensor('float32', xs.subarray(t * N, (t + 1) * N), [N]),
    )
    run = async () => {
      let v: ort.Tensor = zeros
      let i: ort.Tensor = zeros
      for (const x of xsteps) {
        const out = await session.run({ [STEP_IO.x]: x, [STEP_IO.v]: v, [STEP_IO.i]: i })
        v = out[STEP_IO.vNew] as ort.Tensor
        i = out[STEP_IO.iNew] as ort.Tensor
      }
    }
  } else {
    const feeds = {
      [SEQUENCE_IO.xs]: new ort.Tensor('float32', xs, [T, N]),
      [SEQUENCE_IO.v0]: zeros,
      [SEQUENCE_IO.i0]: zeros,
    }
    run = () => session.run(feeds)
  }
  const timing = await measure(run, { warmup: 1, repetitions })
  await session.release()
  return { median: (T * N) / timing.median, best: (T * N) / timing.min }
}

console.log(
  `onnxruntime-node ${ort.env.versions.node ?? ''} CPU, intraOpNumThreads ${threads}; feed-forward LI, T = ${T}, Norse defaults`,
)
console.log(
  'neuron-steps/s (median, best); ratio = median / the best C reference (li_roofline, time-blocked, memcpy; 1 or 2 threads) measured in this run\n',
)
const rows: string[][] = [['graph', 'N', 'median', 'best', 'ratio to best C']]
for (const N of Ns) {
  const c = measureCReferences(T, N, { threads: 2, repetitions: 5 })
  const limit = bestCFigure(c)
  if ('reason' in c) rows.push([`C references: ${c.reason}`, String(N), '—', '', ''])
  else
    for (const r of c.references)
      rows.push([
        `C ${r.name}.c${r.name === c.best.name ? ' (best)' : ''}`,
        String(N),
        r.byThreads.map(format).join(' / '),
        `(1t / 2t; load ${loadavg()[0]?.toFixed(2)})`,
        (r.best / limit).toFixed(3),
      ])
  for (const g of GRAPHS) {
    try {
      const r = await rate(N, g.options)
      rows.push([g.name, String(N), format(r.median), format(r.best), (r.median / limit).toFixed(3)])
    } catch (error) {
      rows.push([g.name, String(N), `ERROR ${(error as Error).message.split('\n')[0]}`, '', ''])
    }
    console.error(rows[rows.length - 1]?.join('  '))
  }
}
const widths = rows[0]?.map((_, k) => Math.max(...rows.map((r) => (r[k] ?? '').length))) ?? []
for (const r of rows) console.log(r.map((cell, k) => cell.padEnd(widths[k] ?? 0)).join('  '))
