/** Live-stream and queue limits (429), the idle timeout, and a graceful close that finishes in-flight work. */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createServer } from './index.js'
import { expected, inferBody, post, voltagesOf } from './test-client.js'

const SPEC = { neurons: 4 }
const X = Float32Array.from([0.5, 1, 1.5, 2])

describe('limits and lifecycle', () => {
  it('refuses a stream past maxStreams with 429, and takes one again after another ends', async () => {
    const server = await createServer({ layers: { li: SPEC }, backend: 'js', maxStreams: 2 })
    const { url } = await server.listen(0)
    const infer = `${url}/v2/models/li/infer`
    expect((await post(infer, inferBody(X, 1, 4, { id: 1, start: true }))).status).toBe(200)
    expect((await post(infer, inferBody(X, 1, 4, { id: 2, start: true }))).status).toBe(200)
    const refused = await post(infer, inferBody(X, 1, 4, { id: 3, start: true }))
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatch(/live streams/)
    expect((await post(infer, inferBody(X, 1, 4, { id: 1, end: true }))).status).toBe(200)
    expect((await post(infer, inferBody(X, 1, 4, { id: 3, start: true }))).status).toBe(200)
    expect(server.stats().li?.liveStreams).toBe(2)
    await server.close()
  })

  it('refuses a request past maxQueue with 429 while the queue is full', async () => {
    // A long batching window keeps the first request queued while the others arrive.
    const server = await createServer({ layers: { li: SPEC }, backend: 'js', maxQueue: 2, windowMs: 2000 })
    const { url } = await server.listen(0)
    const infer = `${url}/v2/models/li/infer`
    const replies = await Promise.all([1, 2, 3, 4].map(() => post(infer, inferBody(X, 1, 4))))
    const statuses = replies.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 429, 429])
    for (const r of replies.filter((r) => r.status === 200))
      expect(voltagesOf(r)).toEqual(expected(SPEC, X, 1))
    await server.close()
  })

  it('frees a stream idle past idleTimeoutMs', async () => {
    const server = await createServer({ layers: { li: SPEC }, backend: 'js', idleTimeoutMs: 500 })
    const { url } = await server.listen(0)
    const infer = `${url}/v2/models/li/infer`
    expect((await post(infer, inferBody(X, 1, 4, { id: 'idle', start: true }))).status).toBe(200)
    expect(server.stats().li?.liveStreams).toBe(1)
    await new Promise((r) => setTimeout(r, 1500))
    expect(server.stats().li?.liveStreams).toBe(0)
    const late = await post(infer, inferBody(X, 1, 4, { id: 'idle' }))
    expect(late.status).toBe(400)
    expect(late.body.error).toMatch(/idle/)
    await server.close()
  })

  it('close() finishes the requests in flight, then stops listening', async () => {
    const server = await createServer({ layers: { li: SPEC }, backend: 'js', windowMs: 3000 })
    const { url } = await server.listen(0)
    // A one-off request (no sequence) waits out the window: it is in flight when close() is called.
    const inFlight = post(`${url}/v2/models/li/infer`, inferBody(X, 1, 4))
    await new Promise((r) => setTimeout(r, 500))
    expect(server.stats().li?.queued).toBe(1)
    const closed = server.close()
    const reply = await inFlight
    expect(reply.status).toBe(200)
    expect(voltagesOf(reply)).toEqual(expected(SPEC, X, 1))
    await closed
    await expect(fetch(`${url}/v2/health/live`)).rejects.toThrow()
  })

  it('a lone stream does not wait out the window; many streams share a call', async () => {
    const server = await createServer({ layers: { li: SPEC }, backend: 'js', windowMs: 5000 })
    const { url } = await server.listen(0)
    const infer = `${url}/v2/models/li/infer`
    const t0 = Date.now()
    for (let k = 0; k < 3; k++)
      expect((await post(infer, inferBody(X, 1, 4, { id: 5, start: k === 0 }))).status).toBe(200)
    expect(Date.now() - t0).toBeLessThan(4000)
    await server.close()
  })

  it('a client hanging up mid-body leaves the server serving, and close() does not wait on it', async () => {
    const server = await createServer({ layers: { li: SPEC }, backend: 'js' })
    const { url, port } = await server.listen(0)
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /v2/models/li/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"inputs": [',
        )
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 100)
      })
    })
    expect((await post(`${url}/v2/models/li/infer`, inferBody(X, 1, 4))).status).toBe(200)
    const t0 = Date.now()
    await server.close()
    expect(Date.now() - t0).toBeLessThan(5000)
  })

  it("NaN in one stream's input stays in that stream; with checkFinite it is a 400 before it is batched", async () => {
    const binary = (x: Float32Array, id: string, start: boolean) => {
      const header = JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }],
        parameters: { sequence_id: id, sequence_start: start },
      })
      return {
        method: 'POST',
        headers: { 'inference-header-content-length': String(header.length) },
        body: Buffer.concat([Buffer.from(header), Buffer.from(x.buffer)]),
      }
    }
    const nan = Float32Array.from([1, Number.NaN, 3, 4])
    for (const checkFinite of [false, true]) {
      const server = await createServer({
        layers: { li: { ...SPEC, checkFinite } },
        backend: 'js',
        windowMs: 500,
      })
      const { url } = await server.listen(0)
      const infer = `${url}/v2/models/li/infer`
      for (const id of ['good', 'bad']) expect((await fetch(infer, binary(X, id, true))).status).toBe(200)
      // Both streams are waiting: one stacked call, unless the bad request is refused first.
      const [good, bad] = await Promise.all([
        fetch(infer, binary(X, 'good', false)),
        fetch(infer, binary(nan, 'bad', false)),
      ])
      expect(good.status).toBe(200)
      expect(
        Float32Array.from(((await good.json()) as { outputs: { data: number[] }[] }).outputs[0]?.data ?? []),
      ).toEqual(expected(SPEC, Float32Array.from([...X, ...X]), 2).subarray(4))
      if (checkFinite) {
        expect(bad.status).toBe(400)
        expect(((await bad.json()) as { error: string }).error).toMatch(/NaN at flat index 1/)
      } else {
        expect(bad.status).toBe(200)
        const v = ((await bad.json()) as { outputs: { data: (number | null)[] }[] }).outputs[0]?.data ?? []
        expect(v[1]).toBeNull() // JSON has no NaN: it is written null, and stays in its own neuron
        expect(v.filter((e) => e === null)).toHaveLength(1)
      }
      await server.close()
    }
  })

  it('checks its options', async () => {
    await expect(createServer({ layers: {} })).rejects.toThrow(/at least one layer/)
    await expect(createServer({ layers: { 'a b': SPEC } })).rejects.toThrow(/model name/)
    await expect(createServer({ layers: { li: SPEC }, maxStreams: 0 })).rejects.toThrow(/maxStreams/)
    await expect(createServer({ layers: { li: { neurons: -1 } } })).rejects.toThrow(/neurons/)
  })
})
