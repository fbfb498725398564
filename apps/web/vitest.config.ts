import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          // Builds the app once and serves it with `vite preview` for every e2e file.
          globalSetup: ['e2e/global-setup.ts'],
          // One browser at a time: two cores, and the benchmark's timings should not fight the explorer.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
