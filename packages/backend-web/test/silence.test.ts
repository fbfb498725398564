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

it('in Node, probing both backends, web-wasm runs and a failing run print nothing', async () => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run pnpm build first (turbo's test task does)`)
  const { report, stdout, stderr, code } = await new Promise<{
    report?: Report
    stdout: string
    stderr: string
    code: number | null
  }>((resolve, reject) => {
    const p = fork(child, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    let stdout = ''
    let stderr = ''
    let report: Report | undefined
    p.stdout?.on('data', (d) => (stdout += d))
    p.stderr?.on('data', (d) => (stderr += d))
    p.on('message', (m) => (report = m as Report))
    p.on('error', reject)
    p.on('close', (code) => resolve({ report, stdout, stderr, code }))
  })
  expect(code).toBe(0)
  expect(report?.probes['web-wasm']).toBe('ok')
  expect(report?.probes['web-webgpu']).toMatch(/in Node use node-webgpu/)
  expect(report?.ran).toEqual(['web-wasm N=4', 'web-wasm N=30000'])
  expect(report?.failures).toEqual(['web-webgpu: E_BACKEND'])
  expect(stdout).toBe('')
  expect(stderr).toBe('')
}, 120_000)
