import { mulberry32 } from '@leaky/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type LeakyServer } from './index.js'
import { expected, inferBody, post, randomInput, voltagesOf } from './test-client.js'

const SPEC = { neurons: 5, params: { tauMemInv: 150, vLeak: -0.5 } }
const WEIGHTED = {
  neurons: 3,
  weights: { data: Float32Array.from([1, 0.5, -1, 2, 0, 1, -0.5, 1, 0.25, 1, 1, 1]), shape: [3, 4] },
}

describe('leaky serve: KServe v2 over HTTP', () => {
  let server: LeakyServer
  let url: string
  beforeAll(async () => {
    server = await createServer({ layers: { li: SPEC, weighted: WEIGHTED }, backend: 'js', windowMs: 2 })
    url = (await server.listen(0)).url
  })
  afterAll(() => server.close())

  it('answers health, server and model metadata', async () => {
    expect((await fetch(`${url}/v2/health/live`)).status).toBe(200)
    expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200)
    expect((await fetch(`${url}/v2/models/li/ready`)).status).toBe(200)
    const meta = (await (await fetch(`${url}/v2`)).json()) as { extensions: string[] }
    expect(meta.extensions).toContain('sequence')
    expect(meta.extensions).toContain('binary_tensor_data')
    const model = await (await fetch(`${url}/v2/models/weighted`)).json()
    expect(model).toMatchObject({
      name: 'weighted',
      versions: ['1'],
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'v_new', datatype: 'FP32', shape: [-1, 3] }],
    })
  })

  it('a stream fed a few steps at a time gives simulate on the concatenated input (JSON)', async () => {
    const next = mulberry32(7)
    const lengths = [1, 3, 2, 5, 1]
    const total = lengths.reduce((a, b) => a + b, 0)
    const x = randomInput(total * 4, next)
    const got: number[] = []
    let t = 0
    for (const [k, steps] of lengths.entries()) {
      const reply = await post(
        `${url}/v2/models/weighted/infer`,
        inferBody(x.subarray(t * 4, (t + steps) * 4), steps, 4, {
          id: 'bci-1',
          start: k === 0,
          end: k === lengths.length - 1,
        }),
      )
      expect(reply.status).toBe(200)
      expect(reply.body.outputs).toMatchObject([{ name: 'v_new', datatype: 'FP32', shape: [steps, 3] }])
      got.push(...voltagesOf(reply))
      t += steps
    }
    expect(Float32Array.from(got)).toEqual(expected(WEIGHTED, x, total))
    expect(server.stats().weighted?.liveStreams).toBe(0) // freed at sequence_end
  })

  it('binary tensors in and out (Inference-Header-Content-Length)', async () => {
    const x = Float32Array.from({ length: 10 }, (_, k) => k / 3)
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 5], parameters: { binary_data_size: 40 } }],
        outputs: [{ name: 'v_new', parameters: { binary_data: true } }],
      }),
    )
    const res = await fetch(`${url}/v2/models/li/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': String(header.length) },
      body: Buffer.concat([header, Buffer.from(x.buffer)]),
    })
    expect(res.status).toBe(200)
    const body = Buffer.from(await res.arrayBuffer())
    const jsonLength = Number(res.headers.get('inference-header-content-length'))
    const head = JSON.parse(body.subarray(0, jsonLength).toString())
    expect(head.outputs[0]).toMatchObject({
      name: 'v_new',
      shape: [2, 5],
      parameters: { binary_data_size: 40 },
    })
    const bytes = body.subarray(jsonLength)
    const v = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
    expect(v).toEqual(expected(SPEC, x, 2))
  })

  it('property: concurrent streams with interleaved requests never mix state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }), {
          minLength: 2,
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (plans, seed) => {
          const next = mulberry32(seed)
          // Each stream: its chunk lengths and its whole input; all streams' requests go out at once,
          // each stream's in order (a client waits for its previous answer), the streams interleaved.
          const streams = plans.map((lengths, s) => {
            const total = lengths.reduce((a, b) => a + b, 0)
            return { id: `p${seed}-${s}`, lengths, total, x: randomInput(total * 5, next) }
          })
          const results = await Promise.all(
            streams.map(async ({ id, lengths, x }) => {
              const out: number[] = []
              let t = 0
              for (const [k, steps] of lengths.entries()) {
                if (next() < 0.5) await new Promise((r) => setTimeout(r, 0))
                const reply = await post(
                  `${url}/v2/models/li/infer`,
                  inferBody(x.subarray(t * 5, (t + steps) * 5), steps, 5, {
                    id,
                    start: k === 0,
                    end: k === lengths.length - 1,
                  }),
                )
                if (reply.status !== 200) throw new Error(JSON.stringify(reply.body))
                out.push(...voltagesOf(reply))
                t += steps
              }
              return Float32Array.from(out)
            }),
          )
          streams.forEach((s, k) => {
            expect(results[k]).toEqual(expected(SPEC, s.x, s.total))
          })
        },
      ),
      { numRuns: 15 },
    )
  })

  it('stacks the requests of different streams into one backend call', async () => {
    // A window long enough for all of them to arrive on a busy machine.
    const server = await createServer({ layers: { li: SPEC }, backend: 'js', windowMs: 500 })
    const url = (await server.listen(0)).url
    const infer = `${url}/v2/models/li/infer`
    const n = 32
    const x = Float32Array.from({ length: 10 }, (_, k) => k - 3)
    for (let s = 0; s < n; s++)
      expect((await post(infer, inferBody(x.subarray(0, 5), 1, 5, { id: s + 1, start: true }))).status).toBe(
        200,
      )
    const before = server.stats().li
    const replies = await Promise.all(
      Array.from({ length: n }, (_, s) =>
        post(infer, inferBody(x.subarray(5), 1, 5, { id: s + 1, end: true })),
      ),
    )
    const after = server.stats().li
    for (const r of replies) expect(voltagesOf(r)).toEqual(expected(SPEC, x, 2).subarray(5))
    expect((after?.batchedRequests ?? 0) - (before?.batchedRequests ?? 0)).toBe(n)
    expect((after?.backendCalls ?? 0) - (before?.backendCalls ?? 0)).toBeLessThan(n / 4)
    expect(after?.liveStreams).toBe(0)
    await server.close()
  })

  it('a request without sequence_id runs from rest and keeps nothing', async () => {
    const x = Float32Array.from([1, 2, 3, 4, 5])
    for (let k = 0; k < 2; k++) {
      const reply = await post(`${url}/v2/models/li/infer`, inferBody(x, 1, 5))
      expect(voltagesOf(reply)).toEqual(expected(SPEC, x, 1))
    }
    expect(server.stats().li?.liveStreams).toBe(0)
  })

  it('a second sequence_start on a live stream restarts it from rest', async () => {
    const x = Float32Array.from([1, 1, 1, 1, 1])
    await post(`${url}/v2/models/li/infer`, inferBody(x, 1, 5, { id: 77, start: true }))
    const again = await post(
      `${url}/v2/models/li/infer`,
      inferBody(x, 1, 5, { id: 77, start: true, end: true }),
    )
    expect(voltagesOf(again)).toEqual(expected(SPEC, x, 1))
  })
})
