import { defineConfig } from 'vitest/config'

/**
 * `pnpm --filter @leaky/web figures`: the explorer's latency figures, printed (never asserted):
 * change → painted plot at N = T = 1000 on js and web-wasm, and the cold first plot with the
 * network throttled to 20 Mbit/s. Same build and server as the e2e tests.
 */
export default defineConfig({
  test: {
    include: ['e2e/figures.run.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
})
