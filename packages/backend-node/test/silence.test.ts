import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const child = fileURLToPath(new URL('./fixtures/silence-child.mjs', import.meta.url))
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

interface Report {
  probes: Record<string, string>
  ran: string[]
  failures: string[]
}

/** Runs the child with nothing on its streams but what it (or native code under it) prints. */
function runChild(
  env: NodeJS.ProcessEnv,
): Promise<{ report?: Report; stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = fork(child, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env })
    let stdout = ''
    let stderr = ''
    let report: Report | undefined
    p.stdout?.on('data', (d) => (stdout += d))
    p.stderr?.on('data', (d) => (stderr += d))
    p.on('message', (m) => (report = m as Report))
    p.on('error', reject)
    p.on('close', (code) => resolve({ report, stdout, stderr, code }))
  })
}

it('probing every backend, runs on each available one and failing runs print nothing, native runtimes included', async () => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run pnpm build first (turbo's test task does)`)
  // No XDG_RUNTIME_DIR or WAYLAND_DISPLAY: libwayland, under Dawn's Vulkan, complains on stderr then.
  const { XDG_RUNTIME_DIR: _dir, WAYLAND_DISPLAY: _display, ...env } = process.env
  const { report, stdout, stderr, code } = await runChild(env)
  expect(code).toBe(0)
  expect(report?.failures).toEqual([
    ...(report?.ran ?? []).map((n) => `${n}: E_BACKEND`),
    'node-cuda: E_BACKEND',
  ])
  expect(report?.ran).toContain('node-cpu')
  // With a Vulkan driver (CI: SwiftShader via VK_ICD_FILENAMES) node-webgpu is really probed and run.
  if (process.env.VK_ICD_FILENAMES) expect(report?.ran).toContain('node-webgpu')
  expect(stdout).toBe('')
  expect(stderr).toBe('')
}, 240_000)
