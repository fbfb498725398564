import { WORKLOADS } from '@leaky/bench/browser'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openSession, type Session } from './browser.js'

let session: Session

beforeAll(async () => {
  session = await openSession()
})

afterAll(async () => {
  await session?.close()
})

describe('benchmark page', () => {
  it('runs every workload on every available backend, each checked against core first', async () => {
    const { page } = session
    await page.goto(`${inject('baseUrl')}#bench/smoke`)
    await page.waitForFunction(() => window.__leaky !== undefined)
    await expect.poll(() => page.locator('#bench').isVisible()).toBe(true)
    expect(await page.locator('#explorer').isVisible()).toBe(false)
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    const rows = await page.evaluate(() => window.__leaky?.bench.settled())
    expect(rows).toBeDefined()
    const ran = (rows ?? []).filter((r) => r.status !== 'skipped')
    // web-webgpu runs on SwiftShader where there is no GPU: Chromium here always has an adapter.
    expect(new Set(ran.map((r) => r.backend))).toEqual(new Set(['js', 'web-wasm', 'web-webgpu']))
    for (const backend of ['js', 'web-wasm', 'web-webgpu']) {
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
    expect(session.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(session.errors).toEqual([])
  })
})
