import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

// WebGPU without a GPU: Chromium's SwiftShader Vulkan driver. Set before any test process starts
// (vitest's forks inherit it); onnxruntime reads it at its first WebGPU session.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json'
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // --expose-gc lets the soak measure live memory, not garbage waiting to be collected.
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
