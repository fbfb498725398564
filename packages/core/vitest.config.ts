import { defineConfig } from 'vitest/config'

export default defineConfig({
  // --expose-gc lets the soak tests measure live memory, not garbage waiting to be collected.
  test: { include: ['src/**/*.test.ts'], pool: 'forks', execArgv: ['--expose-gc'] },
})
