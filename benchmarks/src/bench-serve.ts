/**
 * leaky serve under load, on loopback: throughput and p50/p99 latency for 1, 64 and 1024 concurrent
 * streams of a 1000-neuron layer, one step per request (binary tensors), batching across streams on
 * and off, the gain as a ratio; then a soak of stream churn (streams start, run a few steps, end or
 * are abandoned to the idle timeout) sampling the server's heap after GC.
 *
 *   pnpm bench:serve                                  # ~50 s: 3 turns of 1 s per point, a 10 s soak
 *   pnpm bench:serve --duration 5 --turns 5 --soak 600   # longer turns and the 10-minute soak, for people
 *   pnpm bench:serve --streams 1,64 --neurons 1000 --backend js --soak 0
 *
 * The server runs in a child process (this file, forked), so the load generator (autocannon) does
 * not share its event loop. Each autocannon connection is one stream, so a stream's requests are
 * in order, as a client's would be.
 */
import { fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import { resolveSpec, simulate } from '@leaky/core'
import { createServer } from '@leaky/serve'
import autocannon from 'autocannon'

interface ServerConfig {
  readonly neurons: number
  readonly backend: string
  readonly batching: boolean
  readonly windowMs: number
  readonly idleTimeoutMs: number
}

type ToChild = { type: 'stats' } | { type: 'memory' }

// ---- the server side (forked) -------------------------------------------------------------------
async function serveChild(config: ServerConfig): Promise<void> {
  const server = await createServer({
    layers: { li: { neurons: config.neurons } },
    backend: config.backend,
    batching: config.batching,
    windowMs: config.windowMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxStreams: 100_000,
  })
  const { port } = await server.listen(0)
  process.send?.({ type: 'ready', port, backend: server.backends.li })
  process.on('message', (m: ToChild) => {
    if (m.type === 'stats') process.send?.({ type: 'stats', stats: server.stats().li })
    if (m.type === 'memory') {
      ;(globalThis as { gc?: () => void }).gc?.()
      process.send?.({ type: 'memory', memory: process.memoryUsage(), live: server.stats().li?.liveStreams })
    }
  })
  process.on('disconnect', () => server.close().then(() => process.exit(0)))
}

// ---- the load side ------------------------------------------------------------------------------
interface Child {
  readonly url: string
  readonly backend: string
  ask<T>(type: ToChild['type']): Promise<T>
  stop(): Promise<void>
}

function startServer(config: ServerConfig): Promise<Child> {
  const child = fork(new URL(import.meta.url), ['--child', JSON.stringify(config)], {
    execArgv: ['--expose-gc'],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (m: { type: string; port: number; backend: string }) => {
      resolve({
        url: `http://127.0.0.1:${m.port}`,
        backend: m.backend,
        ask: <T>(type: ToChild['type']) =>
          new Promise<T>((res) => {
            child.once('message', (reply: T) => res(reply))
            child.send({ type })
          }),
        stop: () =>
          new Promise<void>((res) => {
            child.once('exit', () => res())
            child.disconnect()
          }),
      })
    })
  })
}

/** A binary-tensor request (Inference-Header-Content-Length) for one step of one stream. */
function binaryRequest(x: Float32Array, id: number, start: boolean, end: boolean) {
  const header = JSON.stringify({
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1, x.length], parameters: { binary_data_size: x.byteLength } },
    ],
    outputs: [{ name: 'v_new', parameters: { binary_data: true } }],
    parameters: { sequence_id: id, sequence_start: start, sequence_end: end },
  })
  return {
    headers: { 'inference-header-content-length': String(Buffer.byteLength(header)) },
    body: Buffer.concat([Buffer.from(header), Buffer.from(x.buffer, x.byteOffset, x.byteLength)]),
  }
}

async function inferOnce(
  url: string,
  x: Float32Array,
  id: number,
  start: boolean,
  end: boolean,
): Promise<Float32Array> {
  const { headers, body } = binaryRequest(x, id, start, end)
  const res = await fetch(`${url}/v2/models/li/infer`, { method: 'POST', headers, body })
  const bytes = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200) throw new Error(`status ${res.status}: ${bytes.toString()}`)
  const json = Number(res.headers.get('inference-header-content-length'))
  const out = bytes.subarray(json)
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length))
}

interface LoadPoint {
  readonly streams: number
  readonly batching: boolean
  readonly requestsPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly meanBatch: number
  readonly errors: number
}

/** autocannon records latency in whole milliseconds. */
const ms = (x: number) => (x < 1 ? '< 1' : x.toFixed(0))

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

/** One server with `streams` streams open, ready to be loaded by autocannon, one connection per stream. */
async function openServer(config: ServerConfig, streams: number) {
  const server = await startServer(config)
  const x = Float32Array.from({ length: config.neurons }, (_, k) => (k % 10) / 10)
  // Correct before fast: a stream's first step is core's simulate of that step.
  const want = simulate(resolveSpec({ neurons: config.neurons }), { data: x, shape: [1, config.neurons] })
  const first = await inferOnce(server.url, x, 1, true, false)
  if (first.some((v, k) => v !== want.voltages.data[k])) throw new Error('leaky serve gave a wrong voltage')
  // Every stream open before timing (64 at a time): the timed requests are all mid-stream steps.
  for (let s = 2; s <= streams; s += 64) {
    const ids = Array.from({ length: Math.min(64, streams - s + 1) }, (_, k) => s + k)
    await Promise.all(ids.map((id) => inferOnce(server.url, x, id, true, false)))
  }
  const load = (duration: number) => {
    let next = 1
    return autocannon({
      url: `${server.url}/v2/models/li/infer`,
      method: 'POST',
      connections: streams,
      duration,
      setupClient: (client) => {
        const { headers, body } = binaryRequest(x, next++, false, false)
        client.setHeadersAndBody(headers, body)
      },
    })
  }
  const stats = async () =>
    (await server.ask<{ stats: { backendCalls: number; batchedRequests: number } }>('stats')).stats
  return { server, load, stats }
}

/**
 * Batching on and off for one stream count, measured in turns (on, off, on, off, …) against two
 * servers that stay up, so drift in a shared machine's load falls on both: medians of the turns.
 */
async function loadPoints(
  base: Omit<ServerConfig, 'batching'>,
  streams: number,
  minSeconds: number,
  turns: number,
) {
  // Each connection gets only a few answers a second at 1024 streams: longer turns, or a turn would
  // measure little more than its first round.
  const seconds = Math.max(minSeconds, streams / 512)
  const modes = [true, false]
  const servers = []
  for (const batching of modes) servers.push(await openServer({ ...base, batching }, streams))
  try {
    for (const s of servers) await s.load(1) // warms each server's JIT, untimed
    const runs = servers.map(() => [] as autocannon.Result[])
    const calls = servers.map(() => ({ calls: 0, requests: 0 }))
    for (let turn = 0; turn < turns; turn++) {
      for (const [k, s] of servers.entries()) {
        const before = await s.stats()
        runs[k]?.push(await s.load(seconds))
        const after = await s.stats()
        const c = calls[k] as { calls: number; requests: number }
        c.calls += after.backendCalls - before.backendCalls
        c.requests += after.batchedRequests - before.batchedRequests
      }
    }
    return modes.map((batching, k): LoadPoint => {
      const r = runs[k] as autocannon.Result[]
      const c = calls[k] as { calls: number; requests: number }
      return {
        streams,
        batching,
        requestsPerSecond: median(r.map((x) => x.requests.average)),
        p50: median(r.map((x) => x.latency.p50)),
        p99: median(r.map((x) => x.latency.p99)),
        meanBatch: c.calls > 0 ? c.requests / c.calls : 0,
        errors: r.reduce((a, x) => a + x.errors + x.non2xx + x.timeouts, 0),
      }
    })
  } finally {
    for (const s of servers) await s.server.stop()
  }
}

async function soak(config: ServerConfig, seconds: number): Promise<void> {
  const idleMs = 2000
  const server = await startServer({ ...config, idleTimeoutMs: idleMs })
  const x = Float32Array.from({ length: config.neurons }, (_, k) => k / config.neurons)
  let id = 1
  let requests = 0
  let started = 0
  let expiredInUse = 0
  const end = Date.now() + seconds * 1000
  // 32 clients, each opening streams one after another: 1–8 steps; one stream in ten is abandoned
  // (no sequence_end) and must be freed by the idle timeout.
  const worker = async () => {
    while (Date.now() < end) {
      const sid = id++
      const steps = 1 + (sid % 8)
      const abandon = sid % 10 === 0
      started++
      for (let k = 0; k < steps; k++) {
        try {
          await inferOnce(server.url, x, sid, k === 0, !abandon && k === steps - 1)
        } catch (error) {
          // On an overloaded machine a client can be slower than the idle timeout: the server frees
          // the stream, as configured, and says so. Counted, and the client moves on.
          if (!/not live/.test(String(error))) throw error
          expiredInUse++
          break
        }
        requests++
      }
    }
  }
  const samples: { t: number; heap: number; rss: number; live: number }[] = []
  const t0 = Date.now()
  const sampler = setInterval(
    async () => {
      const m = await server.ask<{ memory: NodeJS.MemoryUsage; live: number }>('memory')
      samples.push({ t: (Date.now() - t0) / 1000, heap: m.memory.heapUsed, rss: m.memory.rss, live: m.live })
    },
    Math.max(1000, (seconds * 1000) / 60),
  )
  await Promise.all(Array.from({ length: 32 }, worker))
  clearInterval(sampler)
  await new Promise((r) => setTimeout(r, idleMs + 1000)) // past the idle timeout: abandoned streams are freed
  const last = await server.ask<{ memory: NodeJS.MemoryUsage; live: number }>('memory')
  await server.stop()
  const mb = (b: number) => (b / 2 ** 20).toFixed(1)
  const half = samples.slice(Math.floor(samples.length / 2))
  const fit = slope(
    half.map((s) => s.t),
    half.map((s) => s.heap),
  )
  const firstHalf = samples.slice(0, Math.max(1, Math.floor(samples.length / 2)))
  console.log(
    `\nsoak: ${seconds} s of stream churn, ${started} streams (${Math.floor(started / 10)} abandoned to the idle timeout), ${requests} requests; ${expiredInUse} streams idle past ${idleMs} ms between two of their requests (freed)`,
  )
  console.log(
    `  heap after GC: first half max ${mb(Math.max(...firstHalf.map((s) => s.heap)))} MB, second half max ${mb(Math.max(...half.map((s) => s.heap)))} MB, ` +
      `end ${mb(last.memory.heapUsed)} MB; trend over the second half ${((fit * 60) / 2 ** 10).toFixed(0)} KB/min`,
  )
  console.log(
    `  rss: start ${mb(samples[0]?.rss ?? 0)} MB, end ${mb(last.memory.rss)} MB; live streams while churning ≤ ${Math.max(...samples.map((s) => s.live))}, after the idle timeout ${last.live}`,
  )
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length
  if (n < 2) return 0
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let k = 0; k < n; k++) {
    num += ((xs[k] as number) - mx) * ((ys[k] as number) - my)
    den += ((xs[k] as number) - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      duration: { type: 'string', default: '1' },
      turns: { type: 'string', default: '3' },
      streams: { type: 'string', default: '1,64,1024' },
      neurons: { type: 'string', default: '1000' },
      backend: { type: 'string', default: 'js' },
      'window-ms': { type: 'string', default: '1' },
      soak: { type: 'string', default: '10' },
    },
  })
  if (values.child) return serveChild(JSON.parse(values.child))
  const base = {
    neurons: Number(values.neurons),
    backend: values.backend,
    windowMs: Number(values['window-ms']),
    idleTimeoutMs: 60_000,
  }
  const seconds = Number(values.duration)
  const turns = Number(values.turns)
  const counts = values.streams
    .split(',')
    .map(Number)
    .filter((n) => n > 0)
  console.log(
    `leaky serve on loopback: ${base.neurons} neurons, backend ${base.backend}, 1 step per request (binary tensors), ` +
      `batching on and off in ${turns} alternating turns of max(${seconds}, streams/512) s (medians), batching window ${base.windowMs} ms`,
  )
  const rows: LoadPoint[] = []
  for (const streams of counts) rows.push(...(await loadPoints(base, streams, seconds, turns)))
  console.log('\n| streams | batching | requests/s | p50 ms | p99 ms | requests per backend call | errors |')
  console.log('| ------: | -------- | ---------: | -----: | -----: | ------------------------: | -----: |')
  for (const r of rows) {
    console.log(
      `| ${r.streams} | ${r.batching ? 'on' : 'off'} | ${r.requestsPerSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.meanBatch.toFixed(1)} | ${r.errors} |`,
    )
  }
  console.log('')
  for (const streams of counts) {
    const on = rows.find((r) => r.streams === streams && r.batching)
    const off = rows.find((r) => r.streams === streams && !r.batching)
    if (on && off)
      console.log(
        `batching gain at ${streams} streams: ${(on.requestsPerSecond / off.requestsPerSecond).toFixed(2)}× requests/s`,
      )
  }
  const soakSeconds = Number(values.soak)
  if (soakSeconds > 0) await soak({ ...base, batching: true }, soakSeconds)
}

await main()
