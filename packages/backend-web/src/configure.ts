import { ort, RUNTIME } from './ort.js'

/** Options of {@link configureWasm}. */
export interface WasmOptions {
  /**
   * Where the page serves onnxruntime-web's `ort-wasm-simd-threaded.asyncify.{mjs,wasm}` (a URL
   * prefix ending in `/`), e.g. `/ort/` with `@leaky/backend-web/vite`'s `serveOrtFiles()`. Without
   * it the files are looked up next to the bundled onnxruntime-web module.
   */
  readonly wasmPaths?: string
  /**
   * wasm threads. More than 1 needs a cross-origin-isolated page (COOP same-origin + COEP
   * require-corp); onnxruntime-web falls back to 1 otherwise. Default: onnxruntime-web's choice.
   */
  readonly numThreads?: number
}

/**
 * Points onnxruntime-web at its wasm files and sets its thread count. Call it before the first
 * layer is made: onnxruntime-web reads both once, when it starts its wasm runtime.
 */
export function configureWasm(options: WasmOptions): void {
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads
}

/** Shorthand for `configureWasm({ wasmPaths: url })`. */
export function configureWasmPaths(url: string | URL): void {
  configureWasm({ wasmPaths: String(url) })
}

/** What onnxruntime-web runs with here (for diagnostics and benchmark reports). */
export function runtimeInfo(): {
  runtime: 'node' | 'browser'
  version: string
  numThreads: number | undefined
} {
  return { runtime: RUNTIME, version: ort.env.versions.web ?? '', numThreads: ort.env.wasm.numThreads }
}
