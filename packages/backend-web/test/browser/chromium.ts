import { existsSync } from 'node:fs'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's chromium (apps/web's e2e tests use the same): playwright-core never downloads one. */
export const CHROMIUM = process.env.LEAKY_CHROMIUM ?? '/usr/bin/chromium'

export interface BrowserSession {
  readonly page: Page
  /** Console errors and uncaught page errors. */
  readonly errors: string[]
  /** Every URL the page asked for; only 127.0.0.1 is let through. */
  readonly requests: string[]
  close(): Promise<void>
}

/** Headless Chromium with WebGPU (SwiftShader without a GPU), every request routed. */
export async function openBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set LEAKY_CHROMIUM`,
    )
  }
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // window.gc() for the test that GPU memory of undisposed handles is reclaimed.
      '--js-flags=--expose-gc',
    ],
  })
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  const requests: string[] = []
  page.on('console', (m) => {
    if (process.env.LEAKY_SHOW_CONSOLE) console.log(`page ${m.type()}: ${m.text()}`)
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`))
  await context.route('**/*', (route) => {
    const url = route.request().url()
    requests.push(url)
    return new URL(url).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')
  })
  return { page, errors, requests, close: () => browser.close() }
}
