/** The page bench-wasm-web.ts drives: wasm-simd's ff run over T×N, caller arrays or zero-copy. */
import { mulberry32, type Tensor } from '@leaky/core'
import { getSharedEngine, wasmSimdBackend } from '@leaky/wasm-simd'

type Allocating = { allocate(shape: number[]): Tensor }

async function bench(T: number, N: number, repetitions: number, zeroCopy: boolean) {
  const random = mulberry32(12345)
  const layer = await wasmSimdBackend.createLayer({ neurons: N })
  let xs: Tensor = { data: Float32Array.from({ length: T * N }, () => random() * 2 - 1), shape: [T, N] }
  let output: Float32Array = new Float32Array(T * N)
  if (zeroCopy) {
    const x = (layer as unknown as Allocating).allocate([T, N])
    x.data.set(xs.data)
    xs = x
    output = (layer as unknown as Allocating).allocate([T, N]).data
  }
  // Two warm-up runs: V8 tiers wasm and JS up over the first runs.
  await layer.run(xs, undefined, { output })
  await layer.run(xs, undefined, { output })
  const times: number[] = []
  for (let r = 0; r < repetitions; r++) {
    const t0 = performance.now()
    await layer.run(xs, undefined, { output })
    times.push((performance.now() - t0) / 1000)
  }
  await layer.dispose()
  times.sort((a, b) => a - b)
  return { median: times[times.length >> 1], min: times[0] }
}

/** The ceiling of an engine that must copy the caller's arrays: x in and v out through 4 MiB tiles. */
function copy(T: number, N: number, repetitions: number) {
  const x = new Float32Array(T * N).fill(0.5)
  const out = new Float32Array(T * N)
  const tile = new Float32Array(new SharedArrayBuffer(1 << 22))
  const times: number[] = []
  for (let r = 0; r <= repetitions; r++) {
    const t0 = performance.now()
    for (let at = 0; at < x.length; at += tile.length) {
      const n = Math.min(tile.length, x.length - at)
      tile.set(x.subarray(at, at + n))
      out.set(tile.subarray(0, n), at)
    }
    if (r > 0) times.push((performance.now() - t0) / 1000)
  }
  times.sort((a, b) => a - b)
  return { median: times[times.length >> 1], min: times[0] }
}

async function info() {
  return { crossOriginIsolated, threads: (await getSharedEngine())?.helper ? 2 : 1 }
}

;(globalThis as { leakyBench?: unknown }).leakyBench = { bench, copy, info }
document.body.dataset.ready = '1'
