/**
 * The browser test page: core's conformance checks and bad-input table on webgpu-wgsl through
 * navigator.gpu, and a step soak that counts every GPU buffer. ../browser.test.ts calls
 * `window.leakyTest` through page.evaluate.
 */
import { gpuStepSoak, installGpuBufferCounter } from '@leaky/chromium/gpu-counter'
import type { StateHandle } from '@leaky/core'

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

/** The GPU-buffer step soak (@leaky/chromium/gpu-counter) on one layer of this backend. */
async function soak(steps: number, neurons: number) {
  return gpuStepSoak<StateHandle>(
    (await webgpuWgslBackend.createLayer({ neurons })) as InstanceType<typeof WgslLayer>,
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
  badInputs: () => badInputTable(webgpuWgslBackend),
  available: () => webgpuWgslBackend.available(),
  gpu: () => ({ ...gpu }),
}
document.body.dataset.ready = '1'
