import { existsSync } from 'node:fs'
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core'

/** Debian's chromium: playwright-core never downloads a browser of its own. */
export const CHROMIUM = process.env.LEAKY_CHROMIUM ?? '/usr/bin/chromium'

export interface ChromiumSession {
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  /** Console errors and uncaught page errors seen so far. */
  readonly errors: string[]
  /** Every URL the page asked for (all are routed; only 127.0.0.1 is let through). */
  readonly requests: string[]
  close(): Promise<void>
}

export interface ChromiumOptions {
  /** More command-line flags (e.g. `--js-flags=--expose-gc`). */
  readonly args?: readonly string[]
  readonly context?: BrowserContextOptions
  /** Echo the page's console to this process's (debugging). */
  readonly showConsole?: boolean
}

/**
 * Headless Chromium with a fresh temporary profile and WebGPU enabled (SwiftShader where there is
 * no GPU). Every request is routed: anything not for 127.0.0.1 is recorded and aborted, so a test
 * can assert that a page works offline. The background-networking flags keep Chromium from
 * reaching for Google's hosts, which this network refuses.
 */
export async function openChromium(options: ChromiumOptions = {}): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set LEAKY_CHROMIUM`,
    )
  }
  const browser = await chromium.launch({
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
      ...(options.args ?? []),
    ],
  })
  const context = await browser.newContext(options.context)
  const page = await context.newPage()
  const errors: string[] = []
  const requests: string[] = []
  page.on('console', (message) => {
    if (options.showConsole) console.log(`page ${message.type()}: ${message.text()}`)
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`))
  await context.route('**/*', (route) => {
    const url = route.request().url()
    requests.push(url)
    return new URL(url).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')
  })
  return { browser, context, page, errors, requests, close: () => browser.close() }
}
