import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DESKTOP, OUTPUT_DIR, open, openSession, PHONE, type Session, scrollWidth } from './browser.js'

const QUERY = 'N=24&T=400&input=poisson&rate=60&seed=2&plot=0,5,11'

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const)('layout on a %s', (name, viewport) => {
  let session: Session

  beforeAll(async () => {
    session = await openSession(viewport)
  })

  afterAll(async () => {
    await session?.close()
  })

  it('fits the explorer in the width, plots readable', async () => {
    const { page } = session
    await open(page, `${inject('baseUrl')}?${QUERY}#explorer`)
    expect(await scrollWidth(page)).toBeLessThanOrEqual(viewport.width)
    const width = (selector: string) =>
      page.locator(selector).evaluate((el) => el.getBoundingClientRect().width)
    const plots = await width('.plots')
    expect(plots).toBeGreaterThan(Math.min(300, viewport.width - 80))
    expect(await width('#input-raster')).toBeGreaterThan(Math.min(300, viewport.width - 80))
    expect(await width('#plot-v canvas')).toBeGreaterThan(Math.min(300, viewport.width - 80))
    if (name === 'phone') {
      // One column: the plots come below the form, as wide as it.
      const side = await page.locator('.side').boundingBox()
      const box = await page.locator('.plots').boundingBox()
      expect(box?.y).toBeGreaterThan((side?.y ?? 0) + (side?.height ?? 0) - 1)
    }
    await page.screenshot({ path: join(OUTPUT_DIR, `explorer-${name}.png`), fullPage: true })
    expect(session.errors).toEqual([])
  })

  it('fits the benchmark page in the width, its chart at full size in a scroller', {
    timeout: 180_000,
  }, async () => {
    const { page } = session
    await page.goto(`${inject('baseUrl')}?${QUERY}#bench/smoke`)
    await page.waitForFunction(() => window.__leaky !== undefined)
    await expect.poll(() => page.locator('#bench').isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    // A few rows are enough to lay the table and the chart out; then stop.
    await expect
      .poll(
        () => page.evaluate(() => window.__leaky?.bench.rows().filter((r) => r.status === 'ok').length ?? 0),
        {
          timeout: 120_000,
        },
      )
      .toBeGreaterThan(2)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.evaluate(() => window.__leaky?.bench.settled())
    expect(await scrollWidth(page)).toBeLessThanOrEqual(viewport.width)
    // The chart keeps its own size (11 px text), never shrunk to fit the screen.
    const chart = await page.locator('#bench-chart').evaluate((svg) => svg.getBoundingClientRect().width)
    expect(chart).toBe(720)
    const font = await page
      .locator('#bench-chart text')
      .first()
      .evaluate((t) => getComputedStyle(t).fontSize)
    expect(font).toBe('11px')
    await page.screenshot({ path: join(OUTPUT_DIR, `bench-${name}.png`), fullPage: true })
    expect(session.errors).toEqual([])
  })
})
