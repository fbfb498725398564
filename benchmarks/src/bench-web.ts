/**
 * @leaky/backend-web: a feed-forward LI layer, T = 1000, N = 1e5, Norse defaults, one layer.run per
 * repetition — web-wasm in Node and in headless Chromium (cross-origin isolated, so wasm may use
 * threads), with the ratio to the best C reference measured in the same run; web-webgpu in
 * Chromium too, which on SwiftShader (no GPU) is a correctness run, not a speed figure.
 * Not a test: figures for the issue and the docs.
 *
 *   pnpm bench:web [N]
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { webWasmBackend } from '@leaky/backend-web'
import { ortDistDir } from '@leaky/backend-web/vite'
import { bestCFigure, describeCReferences, measure, measureCReferences } from '@leaky/bench'
import { openChromium } from '@leaky/chromium'
import { mulberry32 } from '@leaky/core'
import { build } from 'esbuild'

const T = 1000
const N = Number(process.argv[2] ?? 1e5)
const format = (x: number) => x.toExponential(2)

const c = measureCReferences(T, N, { threads: 2, repetitions: 5 })
const limit = bestCFigure(c)
console.log(`T=${T} N=${N}: ${describeCReferences(c)}`)

const rows: string[][] = [['where', 'backend', 'median neuron-steps/s', 'best', 'ratio to best C (median)']]

// Node: onnxruntime-web's Node build.
{
  const random = mulberry32(12345)
  const xs = { data: Float32Array.from({ length: T * N }, () => random() * 2 - 1), shape: [T, N] }
  const layer = await webWasmBackend.createLayer({ neurons: N })
  const timing = await measure(() => layer.run(xs), { warmup: 1, repetitions: 5 })
  await layer.dispose()
  const median = (T * N) / timing.median
  rows.push(['Node', 'web-wasm', format(median), format((T * N) / timing.min), (median / limit).toFixed(3)])
}

// Chromium: the same package bundled with esbuild, onnxruntime-web served from 127.0.0.1.
const entry = (
  await build({
    entryPoints: [fileURLToPath(new URL('../src/web-page/entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['onnxruntime-web/webgpu'],
    logLevel: 'silent',
  })
).outputFiles[0]?.contents
const ortDir = ortDistDir()
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  const headers = {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'content-type': path.endsWith('.wasm')
      ? 'application/wasm'
      : path === '/'
        ? 'text/html'
        : 'text/javascript',
  }
  let body: Uint8Array | string | undefined
  if (path === '/')
    body = `<!doctype html><script type="importmap">{"imports":{"onnxruntime-web/webgpu":"/ort/ort.webgpu.bundle.min.mjs"}}</script><script type="module" src="/entry.js"></script><body></body>`
  else if (path === '/entry.js') body = entry
  else if (path.startsWith('/ort/') && /^[\w.-]+$/.test(path.slice(5))) {
    try {
      body = readFileSync(join(ortDir, path.slice(5)))
    } catch {}
  }
  if (body === undefined) return res.writeHead(404).end()
  res.writeHead(200, headers).end(body)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const browser = await openChromium()
try {
  const { page } = browser
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' })
  console.log('Chromium page:', JSON.stringify(await page.evaluate('window.leakyBench.info()')))
  // web-webgpu at N/100: SwiftShader runs T=1000, N=1e5 at ~6e5 neuron-steps/s (~170 s a run).
  const cases = [
    ['web-wasm', 5, N],
    ['web-webgpu', 1, Math.ceil(N / 100)],
  ] as const
  for (const [name, reps, n] of cases) {
    const r = (await page.evaluate(
      `window.leakyBench.bench(${JSON.stringify(name)}, ${T}, ${n}, ${reps})`,
    )) as { reason: string } | { median: number; min: number }
    if ('reason' in r) rows.push(['Chromium', name, `unavailable: ${r.reason}`, '', ''])
    else {
      const median = (T * n) / r.median
      const gpu = name === 'web-webgpu'
      rows.push([
        'Chromium',
        gpu ? `web-webgpu N=${n} (SwiftShader: correctness only, not speed)` : name,
        format(median),
        format((T * n) / r.min),
        gpu ? '—' : (median / limit).toFixed(3),
      ])
    }
  }
} finally {
  await browser.close()
  server.close()
}
const widths = rows[0]?.map((_, k) => Math.max(...rows.map((r) => (r[k] ?? '').length))) ?? []
for (const r of rows) console.log(r.map((cell, k) => cell.padEnd(widths[k] ?? 0)).join('  '))
