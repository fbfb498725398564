/**
 * onnxruntime-web's runtime, shipped once and compressed. The 26.8 MB .wasm gzips to 6.7 MB: the
 * build writes `ort/<file>.gz` beside each runtime file (what a static host's gzip_static serves),
 * and dev and preview answer a request that accepts gzip with it (Content-Encoding: gzip). The
 * build also drops the hashed copy Vite makes of the .wasm from onnxruntime-web's
 * `new URL('….wasm', import.meta.url)`: the app always points onnxruntime at ort/
 * (configureWasmPaths), so that copy was 26.8 MB never fetched.
 * Put it before serveOrtFiles() in `plugins`: its middleware must answer first.
 */
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ORT_RUNTIME_FILES, ortDistDir } from '@leaky/backend-web/vite'
import type { Plugin } from 'vite'

const FOLDER = 'ort/'
const TYPES: Record<string, string> = { mjs: 'text/javascript', wasm: 'application/wasm' }

const gzip = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 })

export function compressedOrt(): Plugin {
  let base = '/'
  let outDir = 'dist'
  /** dev: compressed from node_modules once, on the first request. */
  const devCache = new Map<string, Uint8Array>()

  const serve =
    (read: (name: string) => Uint8Array | undefined) =>
    (req: IncomingMessage, res: ServerResponse, next: () => void) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const name = path.slice(`${base}${FOLDER}`.length)
      const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
      if (!path.startsWith(`${base}${FOLDER}`) || !ORT_RUNTIME_FILES.includes(name) || !accepts) return next()
      const body = read(name)
      if (!body) return next()
      res.setHeader('Content-Type', TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream')
      res.setHeader('Content-Encoding', 'gzip')
      res.setHeader('Content-Length', body.length)
      res.setHeader('Vary', 'Accept-Encoding')
      // Same isolation headers as serveOrtFiles: a worker script under COEP needs COEP itself.
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
      res.end(body)
    }

  return {
    name: 'leaky-compressed-ort',
    configResolved(config) {
      base = config.base.endsWith('/') ? config.base : `${config.base}/`
      outDir = resolve(config.root, config.build.outDir)
    },
    configureServer(server) {
      server.middlewares.use(
        serve((name) => {
          if (!devCache.has(name)) devCache.set(name, gzip(readFileSync(join(ortDistDir(), name))))
          return devCache.get(name)
        }),
      )
    },
    configurePreviewServer(server) {
      server.middlewares.use(
        serve((name) => {
          try {
            return readFileSync(join(outDir, FOLDER, `${name}.gz`))
          } catch {
            return undefined // an older build without .gz: serveOrtFiles answers uncompressed
          }
        }),
      )
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        for (const [fileName, item] of Object.entries(bundle)) {
          if (/^assets\/ort-wasm.*\.wasm$/.test(fileName)) delete bundle[fileName]
          else if (
            fileName.startsWith(FOLDER) &&
            item.type === 'asset' &&
            ORT_RUNTIME_FILES.includes(fileName.slice(FOLDER.length))
          ) {
            const source =
              typeof item.source === 'string' ? new TextEncoder().encode(item.source) : item.source
            this.emitFile({ type: 'asset', fileName: `${fileName}.gz`, source: gzip(source) })
          }
        }
      },
    },
  }
}
