import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { goldenFilePaths } from '@leaky/core/conformance/node'
import { build } from 'esbuild'

/**
 * The test page on 127.0.0.1: `/` the page, `/entry.js` the test entry bundled with esbuild (Dawn,
 * the Node-only path, left out), `/golden/` the golden files the Node tests use.
 */
export async function startTestServer(): Promise<{ url: string; close(): Promise<void> }> {
  const bundle = await build({
    entryPoints: [new URL('./entry.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['webgpu'],
    logLevel: 'silent',
  })
  const entry = bundle.outputFiles[0]?.contents ?? new Uint8Array()
  const goldens = goldenFilePaths()
  const page = `<!doctype html><meta charset="utf-8"><title>webgpu-wgsl tests</title>
<script type="module" src="/entry.js"></script><body></body>`
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    let body: Uint8Array | string | undefined
    let type = 'application/json'
    if (path === '/') [body, type] = [page, 'text/html']
    else if (path === '/entry.js') [body, type] = [entry, 'text/javascript']
    else if (path === '/golden/index.json') body = JSON.stringify(goldens.map((_, k) => `/golden/${k}.json`))
    else if (path.startsWith('/golden/')) {
      const file = goldens[Number(path.slice(8, -5))]
      if (file) body = readFileSync(file)
    }
    if (body === undefined) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
