/**
 * The package is browser-safe: Vite bundles it (onnx-proto is CommonJS) for the browser with no
 * node: import, and the bundled encoder writes a model onnxruntime loads and runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build, type Rollup } from 'vite'
import { expect, it } from 'vitest'
import { nodeCpu } from './runtimes.js'

it('Vite bundles it for the browser and the bundle encodes a model onnxruntime runs', async () => {
  const entry = fileURLToPath(new URL('./browser/entry.ts', import.meta.url))
  const result = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['es'], fileName: 'bundle' },
    },
  })) as Rollup.RollupOutput[]
  const chunks = result.flatMap((r) => r.output).filter((o): o is Rollup.OutputChunk => o.type === 'chunk')
  expect(chunks).toHaveLength(1)
  const code = chunks[0]?.code ?? ''
  expect(code).not.toMatch(/from\s+["']node:|require\(["']node:|import\(["']node:/)
  expect(code).toContain('ModelProto')

  const file = join(mkdtempSync(join(tmpdir(), 'leaky-onnx-bundle-')), 'bundle.mjs')
  writeFileSync(file, code)
  const { buildModel } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
    buildModel: () => Uint8Array
  }
  const session = await nodeCpu.createSession(buildModel())
  const out = await session.run({
    xs: { data: new Float32Array(20).fill(1), dims: [5, 4] },
    v0: { data: new Float32Array(4), dims: [4] },
    i0: { data: new Float32Array(4), dims: [4] },
  })
  await session.release()
  expect(out.voltages?.length).toBe(20)
  expect(out.voltages?.[4]).toBeGreaterThan(0)
}, 60_000)
