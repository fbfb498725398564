/**
 * Per-call overhead of node-cpu (issue 12): run() of T = 1 on a weighted 1024 → 1024 layer against
 * a bare onnxruntime `session.run` of the same graph — the very session the layer's plan runs (same
 * model, same options) — timed call by call, alternately, in one process and one run. Target: ≤ 1.3×.
 *
 *   pnpm bench:overhead
 */
import { nodeBackends, nodeCpuBackend } from '@leaky/backend-node'
import { mulberry32, tensor } from '@leaky/core'
import type { OrtLayer } from '@leaky/onnx/runtime'
import ort from 'onnxruntime-node'

const N = 1024
const random = mulberry32(12)
const weights = tensor(
  Float32Array.from({ length: N * N }, () => (random() - 0.5) / 16),
  [N, N],
)
const xs = tensor(
  Float32Array.from({ length: N }, () => random()),
  [1, N],
)

const layer = (await nodeCpuBackend.createLayer({ neurons: N, weights })) as OrtLayer
await layer.run(xs)
const planned = layer.planFor({ mode: 'sequence', steps: 1, batch: [] })
const [key] = layer.sessionKeys
const session = key === undefined ? undefined : await nodeBackends.sessions.sessionFor(key)
if (!session) throw new Error('the layer holds no session after a run')
const bare = () =>
  session.run({
    xs: new ort.Tensor('float32', xs.data, [1, N]),
    v0: new ort.Tensor('float32', new Float32Array(N), [N]),
    i0: new ort.Tensor('float32', new Float32Array(N), [N]),
  })

// One call of each in turn, each timed alone, medians over many: on a shared machine (2 cores, a
// dozen processes) a timed block of calls includes the time other processes held the core; the
// median of single calls does not, and alternating gives both the same load.
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1] as number
async function perCall(): Promise<{ layer: number; bare: number }> {
  const times = { layer: [] as number[], bare: [] as number[] }
  const calls = { layer: () => layer.run(xs), bare }
  for (let k = 0; k < 200; k++) for (const call of Object.values(calls)) await call()
  for (let k = 0; k < 3000; k++) {
    for (const [name, call] of Object.entries(calls)) {
      const t0 = performance.now()
      await call()
      times[name as keyof typeof times].push((performance.now() - t0) / 1000)
    }
  }
  return { layer: median(times.layer), bare: median(times.bare) }
}
const asShipped = await perCall()
const ms = (s: number) => `${(s * 1e3).toFixed(3)} ms`
console.log(
  JSON.stringify({
    workload: 'run() T=1, weighted 1024→1024, node-cpu',
    engine: planned.engine === 'graph' ? `${planned.session.graph} graph` : planned.engine,
    layerRun: ms(asShipped.layer),
    bareSessionRun: ms(asShipped.bare),
    ratio: Number((asShipped.layer / asShipped.bare).toFixed(3)),
    target: 1.3,
  }),
)
await layer.dispose()
