/**
 * The browser test page: core's conformance checks and bad-input table on webgpu-wgsl through
 * navigator.gpu, and a step soak that counts every GPU buffer. ../browser.test.ts calls
 * `window.leakyTest` through page.evaluate.
 */
import { installGpuBufferCounter } from '@leaky/chromium/gpu-counter'

const gpu = installGpuBufferCounter()

const { badInputTable, conformanceChecks, parseGolden } = await import('@leaky/core/conformance')
const { webgpuWgslBackend, WgslLayer } = await import('../../src/index.js')

interface CheckResult {
  name: string
  ok: boolean
  ms: number
  error?: string
}

async function golden() {
  const files = (await (await fetch('/golden/index.json')).json()) as string[]
  return Promise.all(files.map(async (f) => parseGolden(await (await fetch(f)).json())))
}

async function runChecks(numRuns: number): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const check of conformanceChecks({ backend: webgpuWgslBackend, golden: await golden(), numRuns })) {
    const t0 = performance.now()
    try {
      await check.run()
      results.push({ name: check.name, ok: true, ms: performance.now() - t0 })
    } catch (error) {
      results.push({ name: check.name, ok: false, ms: performance.now() - t0, error: String(error) })
    }
  }
  return results
}

/**
 * `steps` step() calls on one layer, each disposing the previous handle, sampling the GPU buffers
 * after a tenth (warm-up) and at the end; then the layer is disposed and sampled once more.
 */
async function soak(steps: number, neurons: number) {
  const layer = (await webgpuWgslBackend.createLayer({ neurons })) as InstanceType<typeof WgslLayer>
  const x = { data: new Float32Array(neurons).fill(0.25), shape: [neurons] }
  let state: Awaited<ReturnType<typeof layer.step>>['state'] | undefined
  let before = { ...gpu }
  let liveStatesBefore = 0
  const t0 = performance.now()
  for (let t = 0; t < steps; t++) {
    if (t === Math.floor(steps / 10)) {
      before = { ...gpu }
      liveStatesBefore = layer.liveGpuStates
    }
    const next = await layer.step(x, state)
    state?.dispose()
    state = next.state
  }
  const ms = performance.now() - t0
  const after = { ...gpu }
  const liveStatesAfter = layer.liveGpuStates
  const last = await state?.read()
  await layer.dispose()
  return { before, after, liveStatesBefore, liveStatesAfter, ms, v0: last?.v.data[0], disposed: { ...gpu } }
}

declare global {
  interface Window {
    leakyTest: unknown
  }
}

window.leakyTest = {
  runChecks,
  soak,
  badInputs: () => badInputTable(webgpuWgslBackend),
  available: () => webgpuWgslBackend.available(),
  gpu: () => ({ ...gpu }),
}
document.body.dataset.ready = '1'
