/**
 * `@leaky/backend-web/vite`: a Vite plugin that serves onnxruntime-web's wasm runtime from the app's
 * own origin — in `vite dev`, in `vite preview`, and copied into the build — so nothing is fetched
 * from a CDN. Pair it with `configureWasmPaths(new URL('ort/', document.baseURI))` in the app.
 *
 *   import { serveOrtFiles } from '@leaky/backend-web/vite'
 *   export default defineConfig({ plugins: [serveOrtFiles()] })
 */
import { createReadStream, readFileSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'

/** What onnxruntime-web's WebGPU build loads at run time (its wasm EP too), next to each other. */
export const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
]

/** onnxruntime-web's dist folder (its package.json is not exported, its wasm file is). */
export function ortDistDir(): string {
  const require = createRequire(import.meta.url)
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm'))
}

const TYPES: Record<string, string> = { mjs: 'text/javascript', wasm: 'application/wasm' }

/** Calls the next middleware. */
export type Next = () => void
/** A connect-style middleware, as Vite's servers take them. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void
/** The part of Vite's dev and preview servers the plugin uses. */
export interface MiddlewareServer {
  middlewares: {
    /** Adds a middleware. */
    use(fn: Middleware): void
  }
}

// The parts of Rollup's plugin context and output bundle the plugin uses (no Vite/Rollup types needed).
/** The part of Rollup's plugin context the plugin uses. */
export interface EmitContext {
  /** Adds a file to the build output. */
  emitFile(file: { type: 'asset'; fileName: string; source: Uint8Array }): void
}
/** The parts of a file in Rollup's output bundle the plugin reads. */
export interface BundleFile {
  readonly type: 'asset' | 'chunk'
  readonly name?: string
  readonly names?: readonly string[]
  readonly originalFileNames?: readonly string[]
}

/** Options of {@link serveOrtFiles}. */
export interface ServeOrtFilesOptions {
  /** The URL folder the files are served under (default 'ort/', i.e. `${base}ort/`). */
  readonly path?: string
}

/** The plugin (typed loosely, so this package does not depend on a Vite version). */
export function serveOrtFiles(options: ServeOrtFilesOptions = {}) {
  const folder = (options.path ?? 'ort/').replace(/^\/+/, '').replace(/\/?$/, '/')
  const dir = ortDistDir()
  let base = '/'
  const middleware: Middleware = (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const prefix = `${base}${folder}`
    if (!path.startsWith(prefix)) return next()
    const name = path.slice(prefix.length)
    if (!ORT_RUNTIME_FILES.includes(name)) return next()
    const file = join(dir, name)
    res.setHeader('Content-Type', TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream')
    res.setHeader('Content-Length', statSync(file).size)
    // The page may be cross-origin isolated (COEP require-corp): same-origin files need no CORP,
    // but a worker script under COEP must itself be served with COEP.
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
    createReadStream(file).pipe(res)
  }
  return {
    name: 'leaky-serve-ort-files',
    /** Reads the app's base URL. */
    configResolved(config: { base: string }) {
      base = config.base.endsWith('/') ? config.base : `${config.base}/`
    },
    /** Serves the files in `vite dev`. */
    configureServer(server: MiddlewareServer) {
      server.middlewares.use(middleware)
    },
    /** Serves the files in `vite preview`. */
    configurePreviewServer(server: MiddlewareServer) {
      server.middlewares.use(middleware)
    },
    /** Copies the files into the build, and drops Vite's own hashed copy of the .wasm. */
    generateBundle(this: EmitContext, _options: unknown, bundle: Record<string, BundleFile>) {
      // onnxruntime-web's `new URL('ort-wasm-….wasm', import.meta.url)` makes Vite emit a hashed copy
      // of the 27 MB .wasm too, which nothing loads once wasmPaths points at ort/: drop it.
      for (const [fileName, file] of Object.entries(bundle)) {
        const names = [...(file.names ?? []), ...(file.originalFileNames ?? []), file.name ?? '']
        const ours = fileName.startsWith(folder)
        if (file.type === 'asset' && !ours && names.some((n) => ORT_RUNTIME_FILES.includes(basename(n))))
          delete bundle[fileName]
      }
      for (const name of ORT_RUNTIME_FILES) {
        this.emitFile({ type: 'asset', fileName: `${folder}${name}`, source: readFileSync(join(dir, name)) })
      }
    },
  }
}
