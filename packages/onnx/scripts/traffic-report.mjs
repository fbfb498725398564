// Bytes per neuron-step of every graph leaky can run, read off the graphs themselves (the traffic
// model in src/traffic), and the throughput each predicts at a bandwidth. Run after `pnpm build`:
//   node scripts/traffic-report.mjs [steps=1000] [bandwidth bytes/s = 4.8e12 (H200 HBM)]
import { resolveSpec } from '@leaky/core'
import { formatTraffic, layerTraffic } from '../dist/index.js'

const steps = Number(process.argv[2] ?? 1000)
const bandwidth = Number(process.argv[3] ?? 4.8e12)
const n = 1024
const weights = { data: new Float32Array(n * n), shape: [n, n] }
const layers = {
  'feed-forward, scalar parameters': resolveSpec({ neurons: 100_000 }),
  'feed-forward, per-neuron parameters': resolveSpec({
    neurons: 100_000,
    params: { tauMemInv: Float32Array.from({ length: 100_000 }, (_, k) => 100 - (k % 7)) },
  }),
  [`weighted ${n}×${n}`]: resolveSpec({ neurons: n, inputs: n, weights }),
}
console.log(`T = ${steps}, bandwidth ${bandwidth.toExponential(2)} B/s`)
for (const [name, spec] of Object.entries(layers)) {
  console.log(name)
  for (const graph of ['step', 'scan', 'doubling', 'chunked']) {
    try {
      console.log(`  ${formatTraffic(layerTraffic(spec, graph, { steps }), bandwidth)}`)
    } catch (e) {
      console.log(`  ${graph}: ${e.message}`)
    }
  }
}
