import fs from 'node:fs'
import { resolveSpec } from '@leaky/core'
import { layerModel } from '@leaky/onnx'
import ort from 'onnxruntime-node'

const N = +process.argv[2] || 1000,
  T = 1000
const spec = resolveSpec({ neurons: N })
const par = process.argv[3] || 'chunked'
const { bytes } = layerModel(
  spec,
  par === 'scan' ? { graph: 'sequence' } : { graph: 'parallel', parallel: par, steps: T },
)
const s = await ort.InferenceSession.create(bytes, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 2,
  enableProfiling: true,
  profileFilePrefix: '/tmp/ortprof',
  logSeverityLevel: 3,
})
const xs = new ort.Tensor(
  'float32',
  Float32Array.from({ length: T * N }, (_, k) => Math.sin(k)),
  [T, N],
)
const v0 = new ort.Tensor('float32', new Float32Array(N), [N]),
  i0 = new ort.Tensor('float32', new Float32Array(N), [N])
for (let r = 0; r < 3; r++) await s.run({ xs, v0, i0 })
let best = 1e9
for (let r = 0; r < 10; r++) {
  const t0 = performance.now()
  await s.run({ xs, v0, i0 })
  best = Math.min(best, performance.now() - t0)
}
console.log(par, N, 'best ms', best.toFixed(2), ((T * N) / (best / 1000)).toExponential(2))
s.endProfiling()
const file = fs
  .readdirSync('/tmp')
  .filter((f) => f.startsWith('ortprof'))
  .map((f) => '/tmp/' + f)
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]
await s.release()
const ev = JSON.parse(fs.readFileSync(file))
fs.unlinkSync(file)
const agg = {}
for (const e of ev)
  if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
    const k = e.args.op_name
    agg[k] = (agg[k] || 0) + e.dur
  }
const tot = Object.values(agg).reduce((a, b) => a + b, 0)
Object.entries(agg)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 8)
  .forEach(([k, v]) => console.log(k, ((100 * v) / tot).toFixed(1) + '%'))
