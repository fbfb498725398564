import { join } from 'node:path'
import { WORKLOADS } from '@leaky/bench/browser'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { OUTPUT_DIR, openSession, type Session } from './browser.js'

let session: Session

beforeAll(async () => {
  session = await openSession()
})

afterAll(async () => {
  await session?.close()
})

describe('benchmark page', () => {
  it('runs every workload on every available backend, each checked against core first', {
    timeout: 300_000,
  }, async () => {
    const { page } = session
    await page.goto(`${inject('baseUrl')}#bench/smoke`)
    await page.waitForFunction(() => window.__leaky !== undefined)
    await expect.poll(() => page.locator('#bench').isVisible()).toBe(true)
    expect(await page.locator('#explorer').isVisible()).toBe(false)
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    // Busy: Run is disabled, Cancel enabled, progress shown.
    expect(await page.locator('#bench-run').isDisabled()).toBe(true)
    expect(await page.locator('#bench-cancel').isEnabled()).toBe(true)
    const rows = await page.evaluate(() => window.__leaky?.bench.settled())
    expect(rows).toBeDefined()
    const ran = (rows ?? []).filter((r) => r.status !== 'skipped')
    // web-webgpu runs on SwiftShader where there is no GPU: Chromium here always has an adapter.
    const all = ['js', 'wasm-simd', 'web-wasm', 'web-webgpu']
    expect(new Set(ran.map((r) => r.backend))).toEqual(new Set(all))
    for (const backend of all) {
      expect(ran.filter((r) => r.backend === backend).map((r) => r.workload)).toEqual(
        WORKLOADS.map((w) => w.name),
      )
    }
    for (const r of ran) {
      expect(r.status, `${r.workload} on ${r.backend}: ${r.detail}`).toBe('ok')
      expect(r.error).toBeLessThanOrEqual(r.tolerance as number)
      expect(r.neuronStepsPerSecond).toBeGreaterThan(0)
    }
    expect(await page.locator('#bench-table tbody tr').count()).toBe(rows?.length)
    expect(await page.locator('#bench-chart rect').count()).toBe(ran.length)
    // Every row says the size it ran at, and its time in µs, ms or s with three digits.
    const cells = await page
      .locator('#bench-table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')))
    for (const [workload, size, , , , time] of cells) {
      expect(size, workload).toMatch(/N = [\d,]+/)
      expect(time, workload).toMatch(/^(\d\.\d\d|\d\d\.\d|\d{3}) (µs|ms|s)$/)
    }
    await expect.poll(() => page.locator('#bench-status').textContent()).toMatch(/^Done in /)
    expect(await page.locator('#bench-progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1)
    // SwiftShader is a fallback adapter: the page says WebGPU timings here are a CPU's.
    expect(await page.locator('#bench-webgpu-note').textContent()).toContain('software adapter')
    await page.screenshot({ path: join(OUTPUT_DIR, 'bench-desktop.png'), fullPage: true })
    expect(session.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(session.errors).toEqual([])
  })

  it('cancels a long run between timed calls, keeping what it measured', { timeout: 120_000 }, async () => {
    const { page } = session
    await page.locator('#bench-scale').selectOption('browser')
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    await expect
      .poll(
        () => page.evaluate(() => window.__leaky?.bench.rows().filter((r) => r.status === 'ok').length ?? 0),
        {
          timeout: 60_000,
        },
      )
      .toBeGreaterThan(0)
    await page.getByRole('button', { name: 'Cancel' }).click()
    const rows = await page.evaluate(() => window.__leaky?.bench.settled())
    expect(await page.evaluate(() => window.__leaky?.bench.state())).toBe('cancelled')
    expect(await page.locator('#bench-status').textContent()).toMatch(/^Cancelled after /)
    expect(rows?.length).toBeGreaterThan(0)
    expect(rows?.length).toBeLessThan(WORKLOADS.length * 3)
    expect(await page.locator('#bench-table tbody tr').count()).toBe(rows?.length)
    expect(await page.locator('#bench-run').isEnabled()).toBe(true)
    expect(session.errors).toEqual([])
  })
})
