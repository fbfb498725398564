import { readdirSync, readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { describe, expect, inject, it } from 'vitest'

/** The build global-setup made and `vite preview` serves. */
const DIST = fileURLToPath(new URL('../test-output/dist/', import.meta.url))
const WASM = 'ort/ort-wasm-simd-threaded.asyncify.wasm'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

function get(url: string, headers: Record<string, string>) {
  return new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

describe('the build', () => {
  it('ships onnxruntime’s wasm once, with a gzip copy beside it', () => {
    const wasm = files(DIST).filter((f) => f.endsWith('.wasm'))
    expect(wasm.map((f) => f.slice(DIST.length))).toEqual([WASM])
    const raw = readFileSync(join(DIST, WASM))
    const gz = readFileSync(join(DIST, `${WASM}.gz`))
    expect(gz.length).toBeLessThan(raw.length / 3)
    expect(gunzipSync(gz).equals(raw)).toBe(true)
  })

  it('serves the wasm gzip-compressed to a client that accepts it, isolated as the page', async () => {
    const url = `${inject('baseUrl')}${WASM}`
    const raw = readFileSync(join(DIST, WASM))
    const gz = await get(url, { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gz.headers['content-type']).toBe('application/wasm')
    expect(gz.headers['cross-origin-embedder-policy']).toBe('require-corp')
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length)
    expect(gz.body.length).toBeLessThan(8e6)
    expect(gunzipSync(gz.body).equals(raw)).toBe(true)
    const plain = await get(url, {})
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.equals(raw)).toBe(true)
  })
})
