import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { goldenFilePaths } from '@leaky/core/conformance/node'
import { build } from 'esbuild'
import { ORT_RUNTIME_FILES, ortDistDir } from '../../src/vite.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
}

/**
 * The page, served on 127.0.0.1 cross-origin isolated (COOP + COEP, so wasm may use threads):
 * `/` the page, `/entry.js` the test entry bundled with esbuild, `/ort/` onnxruntime-web's WebGPU
 * bundle and its wasm runtime (the bundle finds its wasm next to itself), `/golden/` the golden files.
 * onnxruntime-web stays a separate module (an import map points at it): its wasm threads start
 * workers from the module's own URL.
 */
export async function startTestServer(): Promise<{ url: string; close(): Promise<void>; log: string[] }> {
  const bundle = await build({
    entryPoints: [new URL('./entry.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['onnxruntime-web/webgpu'],
    logLevel: 'silent',
  })
  const entry = bundle.outputFiles[0]?.contents ?? new Uint8Array()
  const goldens = goldenFilePaths()
  const ortDir = ortDistDir()
  const ortFiles = ['ort.webgpu.bundle.min.mjs', ...ORT_RUNTIME_FILES]
  const page = `<!doctype html><meta charset="utf-8"><title>backend-web tests</title>
<script type="importmap">{"imports":{"onnxruntime-web/webgpu":"/ort/ort.webgpu.bundle.min.mjs"}}</script>
<script type="module" src="/entry.js"></script><body></body>`
  const log: string[] = []
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    let body: Uint8Array | string | undefined
    let type = TYPES[extname(path)] ?? 'application/octet-stream'
    if (path === '/') [body, type] = [page, 'text/html']
    else if (path === '/entry.js') body = entry
    else if (path === '/golden/index.json') body = JSON.stringify(goldens.map((_, k) => `/golden/${k}.json`))
    else if (path.startsWith('/golden/')) {
      const file = goldens[Number(path.slice(8, -5))]
      if (file) body = readFileSync(file)
    } else if (path.startsWith('/ort/') && ortFiles.includes(path.slice(5))) {
      body = readFileSync(join(ortDir, path.slice(5)))
    }
    log.push(`${body === undefined ? 404 : 200} ${path}`)
    if (body === undefined) return res.writeHead(404).end()
    res.writeHead(200, {
      'content-type': type,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
