import { afterEach, describe, expect, it, vi } from 'vitest'
import { softwareVulkanOnly } from '../src/devices.js'

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json'

describe('a software Vulkan (SwiftShader, lavapipe) is known from the loader list', () => {
  it.each([
    [{}, false],
    [{ VK_ICD_FILENAMES: SWIFTSHADER }, true],
    [{ VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json' }, true],
    [{ VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/nvidia_icd.json' }, false],
    [{ VK_ICD_FILENAMES: `${SWIFTSHADER}:/usr/share/vulkan/icd.d/nvidia_icd.json` }, false],
    // VK_DRIVER_FILES is the newer name, and wins.
    [{ VK_DRIVER_FILES: '/usr/share/vulkan/icd.d/nvidia_icd.json', VK_ICD_FILENAMES: SWIFTSHADER }, false],
    [{ VK_DRIVER_FILES: SWIFTSHADER }, true],
    [{ VK_ICD_FILENAMES: '' }, false],
  ])('%j → %s', (env, software) => {
    expect(softwareVulkanOnly(env)).toBe(software)
  })
})

describe("node-webgpu's built-in figures", () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
  })
  const load = async (icd: string) => {
    vi.stubEnv('VK_DRIVER_FILES', '')
    vi.stubEnv('VK_ICD_FILENAMES', icd)
    vi.resetModules()
    return (await import('../src/declarations.js')).nodeBackends
  }
  it("are a software GPU's where only SwiftShader can load: slower than node-cpu, so auto leaves it", async () => {
    const backends = await load(SWIFTSHADER)
    const gpu = backends.declaration('node-webgpu').costs
    const cpu = backends.declaration('node-cpu').costs
    expect(gpu.sequence.neuronStepsPerSecond).toBeLessThan(cpu.sequence.neuronStepsPerSecond)
    expect(gpu.sequence.callSeconds).toBeGreaterThan(cpu.sequence.callSeconds)
  })
  it("are a GPU's otherwise", async () => {
    const backends = await load('/usr/share/vulkan/icd.d/nvidia_icd.json')
    const gpu = backends.declaration('node-webgpu').costs
    const cpu = backends.declaration('node-cpu').costs
    expect(gpu.sequence.neuronStepsPerSecond).toBeGreaterThan(cpu.sequence.neuronStepsPerSecond)
  })
})
