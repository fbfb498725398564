// The Chromium half of `pnpm bench:web`: times layer.run on web-wasm and web-webgpu in the page.
/// <reference lib="dom" />

import { runtimeInfo, webWasmBackend, webWebgpuBackend } from '@leaky/backend-web'
import { mulberry32 } from '@leaky/core'

async function bench(name: 'web-wasm' | 'web-webgpu', steps: number, neurons: number, repetitions: number) {
  const backend = name === 'web-wasm' ? webWasmBackend : webWebgpuBackend
  const available = await backend.available()
  if (!available.ok) return { name, reason: available.reason }
  const random = mulberry32(12345)
  const xs = {
    data: Float32Array.from({ length: steps * neurons }, () => random() * 2 - 1),
    shape: [steps, neurons],
  }
  const layer = await backend.createLayer({ neurons })
  await layer.run(xs) // warm-up: session creation
  const times: number[] = []
  for (let k = 0; k < repetitions; k++) {
    const t0 = performance.now()
    await layer.run(xs)
    times.push((performance.now() - t0) / 1000)
  }
  await layer.dispose()
  times.sort((a, b) => a - b)
  return { name, median: times[Math.floor(times.length / 2)] as number, min: times[0] as number }
}

;(window as unknown as { leakyBench: unknown }).leakyBench = {
  bench,
  info: () => ({
    ...runtimeInfo(),
    crossOriginIsolated: window.crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
  }),
}
document.body.dataset.ready = '1'
