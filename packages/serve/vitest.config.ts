import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Real HTTP servers on loopback and a shared 2-core machine: more than vitest's 5 s default.
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
})
