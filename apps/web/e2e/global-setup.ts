import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build, preview } from 'vite'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:<port>/ of the `vite preview` server the e2e tests load. */
    baseUrl: string
  }
}

const root = fileURLToPath(new URL('..', import.meta.url))
/** Not dist/: the test's build must not overwrite what `pnpm build` (and turbo's cache) made. */
const outDir = 'test-output/dist'

/** Builds the app as `vite build` does and serves it as `vite preview` does, COOP/COEP included. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  const server = await preview({
    root,
    logLevel: 'warn',
    build: { outDir },
    // Port 0: the system picks a free port, so parallel runs never collide.
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  })
  const { port } = server.httpServer.address() as AddressInfo
  project.provide('baseUrl', `http://127.0.0.1:${port}/`)
  return () => server.close()
}
