import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type ChromiumSession, openChromium } from '@leaky/chromium'
import type { ExplorerSnapshot } from '../src/test-hook/test-hook.js'

/** Screenshots and other test artefacts (gitignored). */
export const OUTPUT_DIR = fileURLToPath(new URL('../test-output/', import.meta.url))

export type Session = ChromiumSession
type Page = ChromiumSession['page']

export const DESKTOP = { width: 1440, height: 900 }
export const PHONE = { width: 390, height: 844 }

/** Headless Chromium for the explorer: a desktop-sized viewport (or the one given), downloads accepted. */
export async function openSession(viewport: { width: number; height: number } = DESKTOP): Promise<Session> {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  return openChromium({
    context: {
      viewport,
      acceptDownloads: true,
      ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}),
    },
  })
}

/** The explorer's snapshot once nothing is scheduled or running. */
export async function settled(page: Page): Promise<ExplorerSnapshot> {
  const snapshot = await page.evaluate(() => window.__leaky?.settled())
  if (!snapshot) throw new Error('the page simulated nothing')
  return snapshot
}

export async function open(page: Page, url: string): Promise<ExplorerSnapshot> {
  await page.goto(url)
  await page.waitForFunction(() => window.__leaky !== undefined)
  return settled(page)
}

export const runs = (page: Page) => page.evaluate(() => window.__leaky?.runs() ?? 0)

/** Types into a field as a person would, then commits it (Enter). */
export async function typeAndCommit(page: Page, label: string | RegExp, text: string): Promise<void> {
  const field = page.getByLabel(label)
  await field.click()
  await field.press('ControlOrMeta+a')
  await field.press('Backspace')
  await page.keyboard.type(text, { delay: 30 })
  await field.press('Enter')
}

/** The page is as wide as the viewport: nothing scrolls sideways. */
export const scrollWidth = (page: Page) => page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0)
