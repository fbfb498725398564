import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

/** Dawn in Node finds no Vulkan device on a machine without a GPU unless pointed at SwiftShader. */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json'
const env: Record<string, string> =
  !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER)
    ? { VK_ICD_FILENAMES: SWIFTSHADER }
    : {}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    env,
    // The browser suite and the Node suite share 2 cores and one software GPU: one file at a time.
    fileParallelism: false,
    // SwiftShader runs the WGSL kernels on the CPU: minutes on a busy 2-core machine, not seconds.
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
})
