// Times li.wat's `project` kernel alone on one thread, in GFLOP/s of useful multiply-adds
// (2 per non-zero input × output): the sparse (event-driven) path on weighted-256's shapes and the
// dense path on weighted-1024's, as the layer calls them (one slice of rows per call).
//   node packages/wasm-simd/scripts/bench-project.mjs [seconds per case, default 2]
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import wabtInit from 'wabt'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wabt = await wabtInit()
const parsed = wabt.parseWat('li.wat', readFileSync(join(root, 'src', 'li.wat'), 'utf8'), {
  simd: true,
  threads: true,
})
const binary = parsed.toBinary({}).buffer
parsed.destroy()
const memory = new WebAssembly.Memory({ initial: 1024, maximum: 65536 })
const { instance } = await WebAssembly.instantiate(binary, { env: { memory } })
const k = instance.exports
const seconds = Number(process.argv[2] ?? 2)

let top = 64
const alloc = (floats) => {
  const at = top
  top += Math.ceil((floats * 4) / 64) * 64
  return at
}

function run(name, rows, K, N, density, sparseLimit) {
  const x = alloc(rows * K)
  const panels = Math.ceil(N / 32)
  const wt = alloc(panels * K * 32)
  const out = alloc(rows * N)
  const idx = alloc(2 * K + 32)
  const heap = new Float32Array(memory.buffer)
  let nnz = 0
  for (let e = 0; e < rows * K; e++) {
    const on = density >= 1 || Math.random() < density
    heap[x / 4 + e] = on ? (density >= 1 ? Math.random() * 2 - 1 : 1) : 0
    if (on) nnz++
  }
  // W [N, K] packed as layer.ts's packWeights does: panels of 32 outputs, [K, 32] each, zero past N.
  const w = Float32Array.from({ length: N * K }, () => Math.random() - 0.5)
  heap.fill(0, wt / 4, wt / 4 + panels * K * 32)
  for (let n = 0; n < N; n++)
    for (let j = 0; j < K; j++) heap[wt / 4 + (n >> 5) * K * 32 + j * 32 + (n & 31)] = w[n * K + j]
  k.project(x, rows, K, wt, N, out, idx, sparseLimit)
  // A check that the figure is of the right answer: a few outputs against a double-precision sum.
  for (const [m, n] of [
    [0, 0],
    [rows - 1, N - 1],
    [rows >> 1, N >> 1],
  ]) {
    let sum = 0
    for (let j = 0; j < K; j++) sum += heap[x / 4 + m * K + j] * w[n * K + j]
    const got = heap[out / 4 + m * N + n]
    if (Math.abs(got - sum) > 1e-4 * (1 + Math.abs(sum)))
      throw new Error(`${name}: out[${m}, ${n}] = ${got}, expected ${sum}`)
  }
  let calls = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < seconds * 1000) {
    for (let r = 0; r < 4; r++) k.project(x, rows, K, wt, N, out, idx, sparseLimit)
    calls += 4
    t = performance.now()
  }
  const perCall = (t - t0) / 1000 / calls
  const flops = 2 * nnz * N
  console.log(
    `${name.padEnd(34)} ${(flops / perCall / 1e9).toFixed(1).padStart(6)} GFLOP/s useful` +
      `  (${(perCall * 1e6).toFixed(0)} µs per call of ${rows} rows, dense-equivalent ${((2 * rows * K * N) / perCall / 1e9).toFixed(1)})`,
  )
}

// The layer's limit: a row goes the event-driven way with at most 0.4 of its inputs active.
const sparse = Math.floor(256 * 0.4)
run('sparse 256→256, p=0.1, 1024 rows', 1024, 256, 256, 0.1, sparse)
run('dense 1024→1024, 256 rows', 256, 1024, 1024, 1, Math.floor(1024 * 0.4))
run('dense 256→256, 1024 rows', 1024, 256, 256, 1, sparse)
run('dense 1000→1000 (tails), 256 rows', 256, 1000, 1000, 1, 400)
