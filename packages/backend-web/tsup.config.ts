import { defineConfig } from 'tsup'

export default defineConfig({
  // ort/node and ort/browser are separate files: `#ort` (package.json imports) picks one at resolve time.
  entry: ['src/index.ts', 'src/ort/node.ts', 'src/ort/browser.ts', 'src/vite.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/vite.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['#ort', 'onnxruntime-web', 'onnxruntime-web/webgpu', 'vite'],
})
