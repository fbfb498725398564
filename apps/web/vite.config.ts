import { serveOrtFiles } from '@leaky/backend-web/vite'
import { defineConfig } from 'vite'
import { compressedOrt } from './vite/compressed-ort.js'

/**
 * Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, which onnxruntime-web
 * needs for its multi-threaded wasm; every resource is served from this origin, so require-corp
 * costs nothing. Same headers in dev and in `vite preview`, so tests see what users see.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

export default defineConfig({
  // onnxruntime-web's wasm runtime, served from this origin under ort/ in dev, preview and the
  // build, once, and gzip-compressed (compressedOrt answers first).
  plugins: [compressedOrt(), serveOrtFiles()],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022', sourcemap: true },
})
