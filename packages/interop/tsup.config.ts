import { defineConfig } from 'tsup'

export default defineConfig({
  // The HDF5 worker is an entry of its own: Node runs it in a worker thread from dist (see hdf5/worker-client.ts).
  entry: ['src/index.ts', 'src/node.ts', 'src/hdf5/worker.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
