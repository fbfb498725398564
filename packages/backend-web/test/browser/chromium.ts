import { type ChromiumSession, openChromium } from '@leaky/chromium'

export type BrowserSession = ChromiumSession

/** Headless Chromium for the backend's page; window.gc() for the GC-reclaims-GPU-memory test. */
export function openBrowser(): Promise<BrowserSession> {
  return openChromium({
    args: ['--js-flags=--expose-gc'],
    showConsole: Boolean(process.env.LEAKY_SHOW_CONSOLE),
  })
}
