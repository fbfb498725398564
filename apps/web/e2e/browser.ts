import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

/** Debian's chromium: playwright-core never downloads a browser of its own. */
export const CHROMIUM = process.env.LEAKY_CHROMIUM ?? '/usr/bin/chromium'

/** Screenshots and other test artefacts (gitignored). */
export const OUTPUT_DIR = fileURLToPath(new URL('../test-output/', import.meta.url))

export interface Session {
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  /** Console errors and uncaught page errors seen so far. */
  readonly errors: string[]
  /** Every URL the page asked for (all are routed; only 127.0.0.1 is let through). */
  readonly requests: string[]
  close(): Promise<void>
}

/**
 * Headless Chromium with a fresh profile, every request routed: anything not for 127.0.0.1 is
 * recorded and aborted, so a test can assert the app works offline.
 */
export async function openSession(): Promise<Session> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set LEAKY_CHROMIUM`,
    )
  }
  mkdirSync(OUTPUT_DIR, { recursive: true })
  // launch() (not launchPersistentContext) gives every session a fresh, temporary profile.
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
    ],
  })
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true })
  const page = await context.newPage()
  const errors: string[] = []
  const requests: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`))
  await context.route('**/*', (route) => {
    const url = route.request().url()
    requests.push(url)
    return new URL(url).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')
  })
  return {
    browser,
    context,
    page,
    errors,
    requests,
    async close() {
      await browser.close()
    },
  }
}
