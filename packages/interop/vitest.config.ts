import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The fuzz and worker tests wait on real timeouts (a hung HDF5 decode is cut after seconds): on a
  // busy 2-core machine they need more than vitest's 5 s default.
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },
})
