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

async function info() {
  return { crossOriginIsolated, threads: (await getSharedEngine())?.helper ? 2 : 1 }
}

;(globalThis as { leakyBench?: unknown }).leakyBench = { bench, info }
document.body.dataset.ready = '1'
