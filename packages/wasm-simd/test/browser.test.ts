/**
 * wasm-simd in a real headless Chromium: the conformance kit and the bad-input table, bit-exactness
 * with js, zero-copy tensors across a memory growth and a soak, on a cross-origin-isolated page
 * (shared memory) and on a plain one (no SharedArrayBuffer: one plain memory, allocate() refused).
 */
import { type ChromiumSession, openChromium } from '@leaky/chromium'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from './browser/server.js'

let server: Awaited<ReturnType<typeof startTestServer>>
let browser: ChromiumSession

function call<T>(fn: string, ...args: unknown[]): Promise<T> {
  return browser.page.evaluate(`window.leakyTest.${fn}(...${JSON.stringify(args)})`) as Promise<T>
}

async function open(path: string): Promise<void> {
  await browser.page.goto(new URL(path, server.url).href)
  await browser.page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 30_000 })
}

beforeAll(async () => {
  server = await startTestServer()
  browser = await openChromium({ showConsole: Boolean(process.env.LEAKY_SHOW_CONSOLE) })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

for (const [path, isolated] of [
  ['/', true],
  ['/plain', false],
] as const) {
  describe(`wasm-simd in Chromium, ${isolated ? 'cross-origin isolated' : 'not isolated'} (${path})`, () => {
    beforeAll(() => open(path))

    it('is available; lends memory and runs two threads exactly when the page is isolated', async () => {
      const info = await call<Record<string, unknown>>('info')
      expect(info).toEqual({
        crossOriginIsolated: isolated,
        available: { ok: true },
        lends: isolated,
        threads: isolated ? 2 : 1,
      })
      // Split with the Web Worker over the shared memory, the result is still js's, bit for bit.
      if (isolated) expect(await call<boolean>('twoThreads')).toBe(true)
    })

    it("runs a large run of the caller's arrays on js's bits, reading the x it was given even when overwritten right after the call", async () => {
      expect(await call<boolean>('largeCallerRun')).toBe(true)
    })

    it('passes the conformance checks and the bad-input table', async () => {
      const r = await call<{
        results: { name: string; ok: boolean; error?: string }[]
        badInput: number
        badInputFailures: string[]
      }>('runChecks')
      expect(r.results.length).toBeGreaterThan(10)
      expect(r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.error}`)).toEqual([])
      expect(r.badInput).toBeGreaterThan(5)
      expect(r.badInputFailures).toEqual([])
    })

    it('is bit-exact with js on every feed-forward golden case', async () => {
      const r = await call<{ cases: number; differing: string[] }>('bitExact')
      expect(r.cases).toBeGreaterThan(0)
      expect(r.differing).toEqual([])
    })

    it(
      isolated
        ? 'keeps allocated tensors valid when the memory grows'
        : 'refuses allocate() with a typed error that says why',
      async () => {
        const r = await call<Record<string, unknown>>('zeroCopyGrow')
        if (isolated)
          expect(r).toEqual({ lends: true, grew: true, keptLength: 3000, keptIntact: true, sameResult: true })
        else
          expect(r).toMatchObject({
            lends: false,
            message: expect.stringMatching(/^E_UNSUPPORTED: .*shared/),
          })
      },
    )

    it('keeps wasm memory flat over 20 000 steps and 200 layers', async () => {
      type Sample = { inUse: number; size: number }
      const r = await call<{ warm: Sample; stepped: Sample; churned: Sample }>('soak', 20_000, 200)
      expect(r.stepped.inUse).toBeLessThanOrEqual(r.warm.inUse)
      expect(r.stepped.size).toBe(r.warm.size)
      expect(r.churned.size).toBe(r.warm.size)
      expect(r.churned.inUse).toBeLessThan(r.warm.inUse)
    })
  })
}

describe('the page', () => {
  it('asked for nothing beyond 127.0.0.1 and logged no errors', () => {
    expect(browser.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(browser.errors).toEqual([])
  })
})
