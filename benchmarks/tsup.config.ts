import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    'src/bench-js.ts',
    'src/bench-onnx.ts',
    'src/bench-node.ts',
    'src/bench-engines.ts',
    'src/bench-web.ts',
    'src/bench-serve.ts',
    'src/bench-overhead.ts',
    'src/bench-wasm.ts',
    'src/bench-norse.ts',
    'src/bench-wasm-web.ts',
  ],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  // A native addon: loaded from node_modules at run time, never bundled.
  external: [
    'onnxruntime-node',
    'onnxruntime-web',
    'esbuild',
    'playwright-core',
    '@leaky/chromium',
    '@leaky/backend-node',
    '@leaky/backend-web',
    'autocannon',
  ],
})
