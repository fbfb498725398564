/**
 * @leaky/backend-web in a real headless Chromium: core's conformance checks on web-wasm and
 * web-webgpu (WebGPU on SwiftShader where there is no GPU), a 10 000-step soak on web-webgpu with
 * GPU memory flat, and proof that the GPU path ran on the GPU. WebGPU missing is a failure, not a
 * skip: CI installs Debian's chromium for exactly this.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrowserSession, openBrowser } from './browser/chromium.js'
import { startTestServer } from './browser/server.js'

interface CheckResult {
  name: string
  ok: boolean
  ms: number
  error?: string
}
interface Gpu {
  created: number
  destroyed: number
  live: number
  bytesLive: number
  peakBytes: number
}

let server: Awaited<ReturnType<typeof startTestServer>>
let browser: BrowserSession

/** Calls window.leakyTest.<fn>(...args) in the page (a string: vitest rewrites functions' imports). */
function call<T>(fn: string, ...args: unknown[]): Promise<T> {
  return browser.page.evaluate(`window.leakyTest.${fn}(...${JSON.stringify(args)})`) as Promise<T>
}

function failures(results: CheckResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`)
}

beforeAll(async () => {
  server = await startTestServer()
  browser = await openBrowser()
  await browser.page.goto(server.url)
  await browser.page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 30_000 })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('backend-web in Chromium', () => {
  it('is cross-origin isolated and has both backends available', async () => {
    const info = await call<{ runtime: string; crossOriginIsolated: boolean; numThreads?: number }>('info')
    expect(info).toMatchObject({ runtime: 'browser', crossOriginIsolated: true })
    const available = await call<Record<string, { ok: boolean; reason?: string }>>('available')
    expect(available.wasm).toEqual({ ok: true })
    // Fails loudly (with the reason) where Chromium has no WebGPU, e.g. a CI without Vulkan.
    expect(available.webgpu, `web-webgpu unavailable: ${available.webgpu?.reason}`).toEqual({ ok: true })
  })

  it('web-wasm passes the conformance checks', async () => {
    const results = await call<CheckResult[]>('runChecks', 'web-wasm')
    expect(results.length).toBeGreaterThan(10)
    expect(failures(results)).toEqual([])
  })

  it('web-webgpu passes the conformance checks, on the GPU', async () => {
    const before = await call<Gpu>('gpu')
    // SwiftShader is a software GPU: fewer property runs keep the suite within budget.
    const results = await call<CheckResult[]>('runChecks', 'web-webgpu', 8)
    expect(results.length).toBeGreaterThan(10)
    expect(failures(results)).toEqual([])
    const after = await call<Gpu>('gpu')
    // The work made GPU buffers: it ran on the WebGPU device, not on the CPU.
    expect(after.created - before.created).toBeGreaterThan(0)
  })

  it('makes a CPU fallback an error on web-webgpu sessions', async () => {
    // The Scan graph has no WebGPU kernel: with leaky's session options it must not load at all.
    const fallback = await call<{ rejected: boolean; message: string }>('fallbackIsAnError')
    expect(fallback.rejected, 'a Scan session loaded on WebGPU: CPU fallback is on').toBe(true)
  })

  it('keeps GPU memory flat over 10 000 web-webgpu steps with old handles disposed', async () => {
    const r = await call<{
      before: Gpu
      after: Gpu
      disposed: Gpu
      liveStatesBefore: number
      liveStatesAfter: number
      ms: number
      v0: number
    }>('soak', 10_000, 64)
    console.log(
      `soak: 10 000 steps in ${(r.ms / 1000).toFixed(1)} s; GPU buffers live ${r.before.live} → ${r.after.live}, ` +
        `bytes ${r.before.bytesLive} → ${r.after.bytesLive} (created ${r.after.created - r.before.created} in between)`,
    )
    expect(Number.isFinite(r.v0)).toBe(true)
    expect(r.liveStatesBefore).toBe(1)
    expect(r.liveStatesAfter).toBe(1)
    // onnxruntime reuses its buffers: after warm-up, no growth beyond a few buffers' rounding.
    expect(r.after.live - r.before.live).toBeLessThanOrEqual(4)
    expect(r.after.bytesLive - r.before.bytesLive).toBeLessThanOrEqual(4096)
  })

  it('asked for nothing beyond 127.0.0.1 and logged no errors', () => {
    expect(browser.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(browser.errors).toEqual([])
  })
})
