import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/backend.ts',
    'src/testing.ts',
    'src/node.ts',
    'src/conformance/index.ts',
    'src/conformance/node.ts',
    'src/conformance/vitest.ts',
  ],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
