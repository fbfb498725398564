/**
 * `leaky serve` as a user runs it (the built binary on 127.0.0.1, a random port), driven by Triton's
 * own Python client; and `leaky export --triton`, checked with Triton's ModelConfig protobuf and
 * Python onnxruntime. Expected voltages always come from core's simulate.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type LayerSpec, mulberry32, resolveSpec, simulate } from '@leaky/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPython, NO_PYTHON, runPython, script } from './python.js'
import { cacheDir, leaky } from './run-cli.js'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const python = findPython()
const dir = mkdtempSync(join(tmpdir(), 'leaky-serve-'))

interface Running {
  readonly child: ChildProcess
  readonly url: string
  readonly output: () => string
  readonly exit: Promise<number | null>
}

/** Starts `leaky serve ARGS --port 0` and reads the address from its first line. */
function startServe(...args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    env: { ...process.env, LEAKY_CACHE_DIR: cacheDir },
  })
  let out = ''
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      out += d
    })
    child.stdout.on('data', (d) => {
      out += d
      const url = /leaky serve: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url) resolve({ child, url, output: () => out, exit })
    })
    exit.then((code) => reject(new Error(`leaky serve exited ${code}: ${out}`)))
  })
}

const random = (next: () => number, n: number) => Array.from({ length: n }, () => next() * 3 - 1)

function simulated(spec: LayerSpec, x: number[], steps: number): number[] {
  const resolved = resolveSpec(spec)
  return Array.from(
    simulate(resolved, { data: Float32Array.from(x), shape: [steps, resolved.inputs] }).voltages.data,
  )
}

// js is bit-exact with simulate; node-cpu (and whatever auto picks) within the step tolerance (1e-5).
describe.each([
  { backend: 'js', tolerance: 0 },
  { backend: 'node-cpu', tolerance: 1e-5 },
  { backend: 'auto', tolerance: 1e-5 },
])(
  `tritonclient[http] drives leaky serve --backend $backend ${python ? '' : NO_PYTHON}`,
  ({ backend, tolerance }) => {
    const weights = { shape: [6, 3], data: random(mulberry32(3), 18) }
    const params = { tauMemInv: 120, vLeak: -0.25 }
    const spec: LayerSpec = {
      neurons: 6,
      params,
      weights: { data: Float32Array.from(weights.data), shape: [6, 3] },
    }
    let server: Running
    beforeAll(async () => {
      if (!python) return
      writeFileSync(join(dir, 'w.json'), JSON.stringify(weights))
      writeFileSync(join(dir, 'p.json'), JSON.stringify(params))
      const files = ['--weights', join(dir, 'w.json'), '--params', join(dir, 'p.json')]
      server = await startServe(...files, '--backend', backend, '--name', 'decoder')
    })
    afterAll(() => server?.child.kill('SIGKILL'))

    it.skipIf(!python)(
      'health, metadata and interleaved streams equal simulate on the concatenated input',
      async () => {
        const chosen = /6 neurons, ([a-z-]+);/.exec(server.output())?.[1]
        expect(backend === 'auto' ? ['js', 'node-cpu', 'web-wasm'] : [backend]).toContain(chosen)
        const next = mulberry32(11)
        const streams = [42, 'bci-a', 7, 'kws-b'].map((id) => {
          const lengths = Array.from({ length: 4 }, () => 1 + Math.floor(next() * 4))
          const total = lengths.reduce((a, b) => a + b, 0)
          const x = random(next, total * 3)
          let t = 0
          const chunks = lengths.map((steps) => {
            const chunk = x.slice(t * 3, (t + steps) * 3)
            t += steps
            return chunk
          })
          return { id, chunks, expected: simulated(spec, x, total) }
        })
        const cases = join(dir, `cases-${backend}.json`)
        writeFileSync(cases, JSON.stringify({ neurons: 6, inputs: 3, tolerance, streams }))
        const args = [
          script('tritonclient_drives_serve.py'),
          server.url.slice('http://'.length),
          'decoder',
          cases,
        ]
        const r = await runPython(python as string, args)
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
        const summary = JSON.parse(r.stdout)
        expect(summary).toMatchObject({ streams: 4, requests: 16 })
        expect(summary.worst).toBeLessThanOrEqual(tolerance)
      },
    )
  },
)

describe('leaky serve and signals', () => {
  it('SIGTERM answers the request in flight, then exits 0', async () => {
    // A one-off request waits out the 3 s window in the server; SIGTERM comes 1 s after it was sent
    // (time for even a busy machine to read it: a request still in the kernel is not in flight).
    const slow = await startServe('--neurons', '4', '--backend', 'js', '--window-ms', '3000')
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }
    const inFlight = fetch(`${slow.url}/v2/models/li/infer`, { method: 'POST', body: JSON.stringify(body) })
    await new Promise((r) => setTimeout(r, 1000))
    slow.child.kill('SIGTERM')
    const reply = await inFlight
    expect(reply.status).toBe(200)
    const out = (await reply.json()) as { outputs: { data: number[] }[] }
    expect(out.outputs[0]?.data).toEqual(simulated({ neurons: 4 }, [1, 2, 3, 4], 1))
    expect(await slow.exit).toBe(0)
    expect(slow.output()).toMatch(/SIGTERM, finishing requests in flight\n.*stopped/s)
  })
})

describe(`leaky export --triton ${python ? '' : NO_PYTHON}`, () => {
  const cases = [
    {
      what: 'feed-forward, vLeak 0 (zero_data)',
      neuron: 'feed-forward',
      neurons: 5,
      params: {} as Record<string, unknown>,
    },
    {
      what: 'weighted, per-neuron vLeak (data_file)',
      neuron: 'weighted',
      neurons: 4,
      weights: { shape: [4, 3], data: random(mulberry32(5), 12) },
      params: { vLeak: [-0.5, 0.25, 1, -70], tauSynInv: 150 },
    },
  ]
  for (const [k, c] of cases.entries()) {
    it.skipIf(!python)(
      `${c.what}: config.pbtxt parses into ModelConfig, the model with Triton's state wiring equals simulate`,
      async () => {
        const repo = join(dir, `repo-${k}`)
        const args = ['export', '--neuron', c.neuron, '--triton', repo, '--name', `li_${k}`]
        writeFileSync(join(dir, `p${k}.json`), JSON.stringify(c.params))
        args.push('--params', join(dir, `p${k}.json`))
        if (c.weights) {
          writeFileSync(join(dir, `w${k}.json`), JSON.stringify(c.weights))
          args.push('--weights', join(dir, `w${k}.json`))
        } else args.push('--neurons', String(c.neurons))
        const r = leaky(...args)
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
        const inputs = c.weights ? 3 : c.neurons
        const params = Object.fromEntries(
          Object.entries(c.params).map(([key, v]) => [key, Array.isArray(v) ? Float32Array.from(v) : v]),
        )
        const spec: LayerSpec = {
          neurons: c.neurons,
          params,
          ...(c.weights ? { weights: { data: Float32Array.from(c.weights.data), shape: [4, 3] } } : {}),
        }
        const next = mulberry32(100 + k)
        const steps = 12
        const sequences = Array.from({ length: 3 }, () => {
          const x = random(next, steps * inputs)
          return { x, expected: simulated(spec, x, steps) }
        })
        const vLeak = Array.from(resolveSpec(spec).coefficients.vLeak)
        const casePath = join(dir, `case-${k}.json`)
        writeFileSync(
          casePath,
          JSON.stringify({
            name: `li_${k}`,
            neurons: c.neurons,
            inputs,
            maxBatchSize: 64,
            steps,
            vLeak,
            vInitial: vLeak.every((v) => v === 0) ? 'zero_data' : 'data_file',
            sequences,
          }),
        )
        const py = await runPython(python as string, [
          script('triton_repository.py'),
          join(repo, `li_${k}`),
          casePath,
        ])
        expect(py.stderr).toBe('')
        expect(py.code).toBe(0)
        expect(JSON.parse(py.stdout)).toMatchObject({ sequences: 3, steps })
      },
    )
  }

  it('never overwrites an existing model folder, and leaves no partial one behind', () => {
    const repo = join(dir, 'repo-twice')
    expect(leaky('export', '--neuron', 'feed-forward', '--neurons', '3', '--triton', repo).code).toBe(0)
    const again = leaky('export', '--neuron', 'feed-forward', '--neurons', '3', '--triton', repo)
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/already exists/)
    expect(readdirSync(repo)).toEqual(['li'])
    expect(existsSync(join(repo, 'li', '1', 'model.onnx'))).toBe(true)
  })

  it('refuses what a Triton model cannot be', () => {
    expect(
      leaky(
        'export',
        '--neuron',
        'feed-forward',
        '--neurons',
        '3',
        '--graph',
        'parallel',
        '--triton',
        join(dir, 'x'),
      ).code,
    ).toBe(2)
    expect(
      leaky('export', '--neuron', 'weighted', '--neurons', '3', '--inputs', '2', '--triton', join(dir, 'y'))
        .code,
    ).toBe(2)
    expect(
      leaky(
        'export',
        '--neuron',
        'feed-forward',
        '--neurons',
        '3',
        '--name',
        'a',
        '--out',
        join(dir, 'z.onnx'),
      ).code,
    ).toBe(2)
  })
})
