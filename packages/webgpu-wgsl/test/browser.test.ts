/**
 * webgpu-wgsl in a real headless Chromium (WebGPU on SwiftShader where there is no GPU: correctness
 * only, no speed): core's conformance checks, the bad-input table, and a 10 000-step soak with every
 * GPU buffer counted. WebGPU missing is a failure, not a skip: CI installs Debian's chromium for this.
 */
import { type ChromiumSession, openChromium } from '@leaky/chromium'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from './browser/server.js'

interface CheckResult {
  name: string
  ok: boolean
  error?: string
}
interface Gpu {
  created: number
  destroyed: number
  live: number
  bytesLive: number
}

let server: Awaited<ReturnType<typeof startTestServer>>
let browser: ChromiumSession

/** Calls window.leakyTest.<fn>(...args) in the page (a string: vitest rewrites functions' imports). */
function call<T>(fn: string, ...args: unknown[]): Promise<T> {
  return browser.page.evaluate(`window.leakyTest.${fn}(...${JSON.stringify(args)})`) as Promise<T>
}

beforeAll(async () => {
  server = await startTestServer()
  browser = await openChromium({ showConsole: Boolean(process.env.LEAKY_SHOW_CONSOLE) })
  await browser.page.goto(server.url)
  await browser.page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 30_000 })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('webgpu-wgsl in Chromium', () => {
  it('is available through navigator.gpu', async () => {
    const available = await call<{ ok: boolean; reason?: string }>('available')
    expect(available, `webgpu-wgsl unavailable: ${available.reason}`).toEqual({ ok: true })
  })

  it('passes the conformance checks, on the GPU', async () => {
    const before = await call<Gpu>('gpu')
    const results = await call<CheckResult[]>('runChecks', 8)
    expect(results.length).toBeGreaterThan(10)
    expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`)).toEqual([])
    expect((await call<Gpu>('gpu')).created - before.created).toBeGreaterThan(0)
  })

  it('gives every bad input its typed error', async () => {
    const rows = await call<{ case: string; expected: string; got: string; pass: boolean }[]>('badInputs')
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.filter((r) => !r.pass).map((r) => `${r.case}: expected ${r.expected}, got ${r.got}`)).toEqual(
      [],
    )
  })

  it('keeps GPU buffers flat over 10 000 steps with old handles disposed, and frees them all on dispose', async () => {
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
      `soak: 10 000 steps in ${(r.ms / 1000).toFixed(1)} s; GPU buffers live ${r.before.live} → ${r.after.live} ` +
        `(bytes ${r.before.bytesLive} → ${r.after.bytesLive}, ${r.after.created - r.before.created} made in between); ` +
        `after dispose ${r.disposed.live}`,
    )
    expect(Number.isFinite(r.v0)).toBe(true)
    expect(r.liveStatesBefore).toBe(1)
    expect(r.liveStatesAfter).toBe(1)
    // One state buffer per live handle, the step's reused scratch: nothing grows with the steps.
    expect(r.after.live).toBe(r.before.live)
    expect(r.after.bytesLive).toBe(r.before.bytesLive)
    // Every buffer the conformance checks and the soak made is gone once their layers are disposed.
    expect(r.disposed.live).toBe(0)
    expect(r.disposed.bytesLive).toBe(0)
  })

  it('asked for nothing beyond 127.0.0.1 and logged no errors', () => {
    expect(browser.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(browser.errors).toEqual([])
  })
})
