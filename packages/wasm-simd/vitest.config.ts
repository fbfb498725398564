import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // --expose-gc lets the soak measure live memory, not garbage waiting to be collected.
    execArgv: ['--expose-gc'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
})
