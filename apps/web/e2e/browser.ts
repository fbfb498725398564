import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type ChromiumSession, openChromium } from '@leaky/chromium'

/** Screenshots and other test artefacts (gitignored). */
export const OUTPUT_DIR = fileURLToPath(new URL('../test-output/', import.meta.url))

export type Session = ChromiumSession

/** Headless Chromium for the explorer: a desktop-sized viewport, downloads accepted. */
export async function openSession(): Promise<Session> {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  return openChromium({ context: { viewport: { width: 1280, height: 1000 }, acceptDownloads: true } })
}
