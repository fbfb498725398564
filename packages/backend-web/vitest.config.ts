import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // SwiftShader runs the WebGPU checks on the CPU: minutes on a busy 2-core machine, not seconds.
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
})
