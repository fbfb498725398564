/**
 * wasm-simd in headless Chromium (cross-origin isolated: shared memory, two threads), ff T×N with the
 * caller's arrays and zero-copy, beside the three C references of the same run (ratios to the best):
 *   pnpm bench:wasm-web [N] [T]      (default N = 1e5, T = 1000: ff-1e5; ff-1e6 is 1e6 200)
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { bestCFigure, describeCReferences, measureCReferences } from '@leaky/bench'
import { openChromium } from '@leaky/chromium'
import { build } from 'esbuild'

const N = Number(process.argv[2] ?? 1e5)
const T = Number(process.argv[3] ?? 1000)
if (!(Number.isInteger(N) && N > 0 && Number.isInteger(T) && T > 0))
  throw new Error(
    `usage: bench:wasm-web [N] [T] (whole numbers > 0), got N=${process.argv[2]} T=${process.argv[3]}`,
  )
const format = (x: number) => x.toExponential(2)

console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
const c = measureCReferences(T, N, { threads: 2, repetitions: 5 })
const limit = bestCFigure(c)
console.log(`T=${T} N=${N}: ${describeCReferences(c)}`)

const entry = (
  await build({
    entryPoints: [fileURLToPath(new URL('../src/wasm-page/entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
).outputFiles[0]?.contents
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  const body =
    path === '/'
      ? '<!doctype html><script type="module" src="/entry.js"></script><body></body>'
      : path === '/entry.js'
        ? entry
        : undefined
  if (body === undefined) return res.writeHead(404).end()
  res
    .writeHead(200, {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'content-type': path === '/' ? 'text/html' : 'text/javascript',
    })
    .end(body)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const browser = await openChromium()
try {
  const { page } = browser
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' })
  console.log('Chromium page:', JSON.stringify(await page.evaluate('window.leakyBench.info()')))
  const copy = (await page.evaluate(`window.leakyBench.copy(${T}, ${N}, 5)`)) as { median: number }
  const crate = (T * N) / copy.median
  console.log(
    `Chromium copy ceiling (the page's thread copying x in and v out, no kernel): ${format(crate)} neuron-steps/s = ${(crate / limit).toFixed(3)} × best C`,
  )
  for (const zeroCopy of [false, true]) {
    const r = (await page.evaluate(`window.leakyBench.bench(${T}, ${N}, 5, ${zeroCopy})`)) as {
      median: number
      min: number
    }
    const rate = (T * N) / r.median
    console.log(
      `Chromium wasm-simd ${zeroCopy ? 'zero-copy    ' : 'caller arrays'}: ${format(rate)} neuron-steps/s = ${(rate / limit).toFixed(3)} × best C (median ${(r.median * 1e3).toFixed(1)} ms, best ${format((T * N) / r.min)})`,
    )
  }
} finally {
  await browser.close()
  server.close()
}
