/**
 * The browser test page: core's framework-free conformance checks, run on @leaky/backend-web inside
 * a real Chromium, with the golden files the Node tests use (fetched from the test server). The
 * Node side (../browser.test.ts) calls `window.leakyTest` through page.evaluate.
 */
import { gpuStepSoak, installGpuBufferCounter } from '@leaky/chromium/gpu-counter'
import type { StateHandle } from '@leaky/core'

const gpu = installGpuBufferCounter()

const { conformanceChecks, parseGolden } = await import('@leaky/core/conformance')
const { getBackend, resolveSpec } = await import('@leaky/core')
const web = await import('../../src/index.js')
const { providerOptions } = await import('../../src/devices.js')
const { ort } = await import('../../src/ort.js')
const { layerModel } = await import('@leaky/onnx')

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

async function runChecks(name: 'web-wasm' | 'web-webgpu', numRuns?: number): Promise<CheckResult[]> {
  const backend = await getBackend(name)
  const results: CheckResult[] = []
  for (const check of conformanceChecks({
    backend,
    golden: await golden(),
    ...(numRuns ? { numRuns } : {}),
  })) {
    const t0 = performance.now()
    try {
      await check.run()
      results.push({ name: check.name, ok: true, ms: performance.now() - t0 })
      console.log(`${name} ${check.name} ${(performance.now() - t0).toFixed(0)} ms`)
    } catch (error) {
      results.push({ name: check.name, ok: false, ms: performance.now() - t0, error: String(error) })
    }
  }
  return results
}

/**
 * The Scan graph: the WebGPU EP has no Scan kernel, so only a silent CPU fallback could run it.
 * With leaky's WebGPU session options that must be an error.
 */
async function fallbackIsAnError(): Promise<{ rejected: boolean; message: string }> {
  const { bytes } = layerModel(resolveSpec({ neurons: 4 }), { graph: 'sequence' })
  try {
    const s = await ort.InferenceSession.create(bytes, {
      ...providerOptions('webgpu'),
      // The rejection is expected: keep onnxruntime's error log out of the console.
      logSeverityLevel: 4,
    })
    await s.release()
    return { rejected: false, message: '' }
  } catch (error) {
    return { rejected: true, message: String(error).split('\n')[0] ?? '' }
  }
}

/** The GPU-buffer step soak (@leaky/chromium/gpu-counter) on one layer of this backend. */
async function soak(steps: number, neurons: number) {
  return gpuStepSoak<StateHandle>(
    (await web.webWebgpuBackend.createLayer({ neurons })) as web.WebLayer,
    gpu,
    steps,
    neurons,
  )
}

declare global {
  interface Window {
    leakyTest: unknown
  }
}

window.leakyTest = {
  runChecks,
  soak,
  fallbackIsAnError,
  gpu: () => ({ ...gpu }),
  info: () => ({ ...web.runtimeInfo(), crossOriginIsolated: window.crossOriginIsolated }),
  available: async () => ({
    wasm: await web.webWasmBackend.available(),
    webgpu: await web.webWebgpuBackend.available(),
  }),
}
document.body.dataset.ready = '1'
