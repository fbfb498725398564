import { expect, inject, it } from 'vitest'
import type { PaintTiming } from '../src/explorer/explorer.js'
import { openSession } from './browser.js'

type Page = Awaited<ReturnType<typeof openSession>>['page']

/** The last simulation's setup, backend and timing: not its arrays (2·10⁶ numbers would dwarf the figure). */
async function lastRun(page: Page) {
  const run = await page.evaluate(async () => {
    const s = await window.__leaky?.settled()
    return (
      s && {
        neurons: s.setup.neurons,
        steps: s.setup.steps,
        backend: s.backend,
        error: s.error,
        timing: s.timing,
      }
    )
  })
  if (!run?.timing) throw new Error(`no painted run: ${run?.error}`)
  return run as typeof run & { timing: PaintTiming }
}

async function openAt(page: Page, url: string) {
  await page.goto(url)
  await page.waitForFunction(() => window.__leaky !== undefined)
  return lastRun(page)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const round = (x: number) => Math.round(x * 10) / 10

/** 20 Mbit/s down and up, 20 ms round trip, no cache: a cold visit on a modest connection. */
const THROTTLE = { offline: false, latency: 20, downloadThroughput: 20e6 / 8, uploadThroughput: 20e6 / 8 }

it('change → painted plot at N = 1000, T = 1000 on js and web-wasm', async () => {
  const session = await openSession()
  const { page } = session
  const figures: Record<string, unknown> = {}
  for (const backend of ['js', 'web-wasm']) {
    const first = await openAt(page, `${inject('baseUrl')}?N=1000&T=1000&plot=0,1,2&backend=${backend}`)
    expect(first.backend).toBe(backend)
    const samples: PaintTiming[] = []
    await page.getByLabel('Seed').focus()
    for (let k = 0; k < 7; k++) {
      await page.keyboard.press('ArrowUp')
      const s = await lastRun(page)
      expect(s.neurons * s.steps).toBe(1e6)
      samples.push(s.timing)
    }
    figures[backend] = {
      changeToPaintMs: round(median(samples.map((t) => t.changeToPaintMs))),
      runMs: round(median(samples.map((t) => t.runMs))),
      renderMs: round(median(samples.map((t) => t.renderMs))),
      all: samples.map((t) => round(t.changeToPaintMs)),
    }
  }
  console.log(`change→paint, N = T = 1000 (median of 7): ${JSON.stringify(figures, null, 1)}`)
  await session.close()
})

it('cold first plot at 20 Mbit/s', async () => {
  const figures: Record<string, number[]> = { js: [], 'web-wasm': [] }
  for (const backend of ['js', 'web-wasm'] as const) {
    for (let k = 0; k < 3; k++) {
      const session = await openSession()
      const cdp = await session.context.newCDPSession(session.page)
      await cdp.send('Network.enable')
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
      await cdp.send('Network.emulateNetworkConditions', THROTTLE)
      const s = await openAt(session.page, `${inject('baseUrl')}?backend=${backend}`)
      expect(s.backend).toBe(backend)
      // paintedAt is performance.now() at the painted plot: ms since the navigation started.
      figures[backend]?.push(round(s.timing.paintedAt))
      await session.close()
    }
  }
  console.log(`cold first plot at 20 Mbit/s, ms since navigation (3 visits each): ${JSON.stringify(figures)}`)
})
