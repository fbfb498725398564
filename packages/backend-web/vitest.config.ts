import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // --expose-gc lets the soak measure live memory, not garbage waiting to be collected.
    execArgv: ['--expose-gc'],
    // SwiftShader runs the WebGPU checks on the CPU: minutes on a busy 2-core machine, not seconds.
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
})
