/**
 * The bad-request table: every kind of malformed or over-limit request, the status it gets, and that
 * the server survives each with a KServe error body while a stream opened before stays intact.
 */
import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type LeakyServer } from './index.js'
import { expected, inferBody, post, voltagesOf } from './test-client.js'

const SPEC = { neurons: 5, params: { vLeak: 0.25 } }
const X = [1, 2, 3, 4, 5]
const good = (extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: X }],
  ...extra,
})
const seq = (id: unknown, start = false, end = false) => ({
  parameters: { sequence_id: id, sequence_start: start, sequence_end: end },
})

interface Case {
  readonly kind: string
  readonly status: number
  readonly send: (url: string) => Promise<{ status: number; body: unknown }>
}

async function raw(url: string, init: RequestInit & { path?: string }) {
  const res = await fetch(`${url}${init.path ?? '/v2/models/li/infer'}`, { method: 'POST', ...init })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : {} }
}
const infer =
  (body: unknown, path = '/v2/models/li/infer') =>
  (url: string) =>
    post(`${url}${path}`, body)

/** An HTTP exchange on a bare socket, for what fetch will not send. */
function socketExchange(url: string, bytes: string): Promise<{ status: number; body: unknown }> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes))
    let text = ''
    socket.on('data', (d) => {
      text += d.toString()
    })
    socket.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: {} }))
    socket.on('error', reject)
  })
}

const binaryHeader = JSON.stringify({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], parameters: { binary_data_size: 20 } }],
})

const BAD_REQUESTS: readonly Case[] = [
  { kind: 'body is not JSON', status: 400, send: infer('{"inputs": [') },
  { kind: 'JSON is not an object', status: 400, send: infer('[1, 2, 3]') },
  { kind: 'unknown model', status: 404, send: infer(good(), '/v2/models/nope/infer') },
  {
    kind: 'model name not valid percent-encoding',
    status: 400,
    send: infer(good(), '/v2/models/%E0%A4%A/infer'),
  },
  { kind: 'unknown route', status: 404, send: (url) => raw(url, { method: 'GET', path: '/v2/nothing' }) },
  { kind: 'unknown model version', status: 404, send: infer(good(), '/v2/models/li/versions/7/infer') },
  { kind: 'wrong method (GET infer)', status: 405, send: (url) => raw(url, { method: 'GET' }) },
  { kind: 'unknown field in the request', status: 400, send: infer({ ...good(), extra: 1 }) },
  { kind: 'no inputs', status: 400, send: infer({ outputs: [] }) },
  { kind: 'two inputs', status: 400, send: infer({ inputs: [good().inputs[0], good().inputs[0]] }) },
  { kind: 'unknown input name', status: 400, send: infer({ inputs: [{ ...good().inputs[0], name: 'y' }] }) },
  {
    kind: 'wrong datatype (INT32)',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], datatype: 'INT32' }] }),
  },
  {
    kind: 'wrong datatype (FP64)',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], datatype: 'FP64' }] }),
  },
  {
    kind: 'wrong shape (last dim)',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], shape: [1, 4] }] }),
  },
  { kind: 'wrong rank', status: 400, send: infer({ inputs: [{ ...good().inputs[0], shape: [5] }] }) },
  {
    kind: 'zero steps',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], shape: [0, 5], data: [] }] }),
  },
  {
    kind: 'negative or fractional dim',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], shape: [-1, 5] }] }),
  },
  {
    kind: 'data count ≠ shape',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], data: [1, 2] }] }),
  },
  {
    kind: 'non-number in data',
    status: 400,
    send: infer({ inputs: [{ ...good().inputs[0], data: [1, 2, 'a', 4, 5] }] }),
  },
  {
    kind: 'no data and no binary',
    status: 400,
    send: infer({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5] }] }),
  },
  {
    kind: 'binary_data_size ≠ shape',
    status: 400,
    send: (url) => {
      const h = binaryHeader.replace('"binary_data_size":20', '"binary_data_size":16')
      return raw(url, {
        headers: { 'inference-header-content-length': String(h.length) },
        body: Buffer.concat([Buffer.from(h), Buffer.alloc(16)]),
      })
    },
  },
  {
    kind: 'binary body shorter than binary_data_size',
    status: 400,
    send: (url) =>
      raw(url, {
        headers: { 'inference-header-content-length': String(binaryHeader.length) },
        body: Buffer.concat([Buffer.from(binaryHeader), Buffer.alloc(12)]),
      }),
  },
  {
    kind: 'Inference-Header-Content-Length past the body',
    status: 400,
    send: (url) => raw(url, { headers: { 'inference-header-content-length': '9999' }, body: binaryHeader }),
  },
  {
    kind: 'Inference-Header-Content-Length not a number',
    status: 400,
    send: (url) => raw(url, { headers: { 'inference-header-content-length': 'abc' }, body: binaryHeader }),
  },
  {
    kind: 'bytes after the JSON but no binary input',
    status: 400,
    send: (url) => {
      const h = JSON.stringify(good())
      return raw(url, {
        headers: { 'inference-header-content-length': String(h.length) },
        body: Buffer.concat([Buffer.from(h), Buffer.alloc(8)]),
      })
    },
  },
  { kind: 'unknown sequence (no sequence_start)', status: 400, send: infer(good(seq('never-started'))) },
  {
    kind: 'ended sequence',
    status: 400,
    send: async (url) => {
      await post(`${url}/v2/models/li/infer`, good(seq('short', true, true)))
      return post(`${url}/v2/models/li/infer`, good(seq('short')))
    },
  },
  { kind: 'sequence_id negative', status: 400, send: infer(good(seq(-3, true))) },
  { kind: 'sequence_id fractional', status: 400, send: infer(good(seq(1.5, true))) },
  { kind: 'sequence_id an object', status: 400, send: infer(good(seq({ a: 1 }, true))) },
  {
    kind: 'sequence_id above 2^53 − 1 as a number',
    status: 400,
    send: infer(
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,5],"data":[1,2,3,4,5]}],"parameters":{"sequence_id":18446744073709551615,"sequence_start":true}}',
    ),
  },
  {
    kind: 'sequence_start without sequence_id',
    status: 400,
    send: infer(good({ parameters: { sequence_start: true } })),
  },
  {
    kind: 'sequence_end not a boolean',
    status: 400,
    send: infer(good({ parameters: { sequence_id: 3, sequence_end: 'yes' } })),
  },
  {
    kind: 'unsupported request parameter (priority)',
    status: 400,
    send: infer(good({ parameters: { priority: 1 } })),
  },
  { kind: 'unknown output name', status: 400, send: infer(good({ outputs: [{ name: 'spikes' }] })) },
  { kind: 'model_name ≠ URL', status: 400, send: infer(good({ model_name: 'other' })) },
  {
    kind: 'body over maxBodyBytes',
    status: 413,
    send: infer({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [4000, 5], data: new Array(20000).fill(1.5) }],
    }),
  },
  {
    kind: 'gzip that inflates past maxBodyBytes',
    status: 413,
    send: (url) =>
      raw(url, { headers: { 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(200_000, 32)) }),
  },
  {
    kind: 'unsupported Content-Encoding',
    status: 400,
    send: (url) => raw(url, { headers: { 'content-encoding': 'br' }, body: JSON.stringify(good()) }),
  },
  {
    kind: 'damaged gzip body',
    status: 400,
    send: (url) =>
      raw(url, { headers: { 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') }),
  },
  {
    kind: 'malformed HTTP',
    status: 400,
    send: (url) => socketExchange(url, 'POST /v2/models/li/infer HTTP/1.1\r\nContent-Length: x\r\n\r\n'),
  },
]

describe('bad requests', () => {
  let server: LeakyServer
  let url: string
  const guard = Float32Array.from({ length: 5 * (BAD_REQUESTS.length + 1) }, (_, k) => (k % 7) - 2)
  beforeAll(async () => {
    server = await createServer({ layers: { li: SPEC }, backend: 'js', maxBodyBytes: 64 * 1024 })
    url = (await server.listen(0)).url
    // A stream that lives through the whole table: each bad request must leave it as it was.
    const first = await post(
      `${url}/v2/models/li/infer`,
      inferBody(guard.subarray(0, 5), 1, 5, { id: 'guard', start: true }),
    )
    expect(first.status).toBe(200)
  })
  afterAll(() => server.close())

  it(`has ${BAD_REQUESTS.length} kinds (≥ 12)`, () => {
    expect(BAD_REQUESTS.length).toBeGreaterThanOrEqual(12)
  })

  const guardOut: number[] = []
  BAD_REQUESTS.forEach((c, k) => {
    it(`${c.kind} → ${c.status}, and the server and other streams carry on`, async () => {
      const reply = await c.send(url)
      expect(reply.status).toBe(c.status)
      if (c.kind !== 'malformed HTTP') {
        const error = (reply.body as { error?: unknown }).error
        expect(typeof error).toBe('string')
        expect((error as string).length).toBeGreaterThan(10)
      }
      expect((await fetch(`${url}/v2/health/live`)).status).toBe(200)
      const step = k + 1
      const next = await post(
        `${url}/v2/models/li/infer`,
        inferBody(guard.subarray(step * 5, (step + 1) * 5), 1, 5, { id: 'guard' }),
      )
      expect(next.status).toBe(200)
      guardOut.push(...voltagesOf(next))
    })
  })

  it('the guard stream equals simulate over the whole table', () => {
    const all = expected(SPEC, guard, BAD_REQUESTS.length + 1)
    expect(Float32Array.from(guardOut)).toEqual(all.subarray(5))
  })
})
