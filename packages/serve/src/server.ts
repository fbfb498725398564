/**
 * `createServer`: a KServe v2 (Triton HTTP protocol) server over node:http for leaky layers.
 *
 *   GET  /v2  /v2/health/live  /v2/health/ready  /v2/models/NAME  /v2/models/NAME/ready
 *   POST /v2/models/NAME/infer      JSON tensors, or binary tensors (Inference-Header-Content-Length)
 *
 * Streams follow Triton's sequence extension (sequence_id, sequence_start, sequence_end).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync, inflateSync } from 'node:zlib'
import { createLayer, type LayerSpec, LeakyError, ParameterError } from '@leaky/core'
import { RequestError } from './protocol/errors.js'
import { parseInferRequest, splitBody } from './protocol/infer-request.js'
import { encodeInferResponse } from './protocol/infer-response.js'
import { type BatchingOptions, type ModelStats, ServedModel } from './streams/served-model.js'

/** What createServer serves and its limits (every bound has a default; see the README's table). */
export interface ServerOptions extends Partial<BatchingOptions> {
  /** Model name (as in /v2/models/NAME) → the layer it serves. Names: letters, digits, '_', '-', '.'. */
  readonly layers: Readonly<Record<string, LayerSpec>>
  /** Which backend runs the layers: a name, a device alias or a list (createLayer's `prefer`). Default 'auto'. */
  readonly backend?: string | readonly string[]
  /** The largest request body, in bytes (after decompression); more is a 413. Default 16 MiB. */
  readonly maxBodyBytes?: number
}

/** A running KServe-v2 server: listen, close gracefully, and see what each model is doing. */
export interface LeakyServer {
  /** Starts listening; port 0 picks a free one. Default host 127.0.0.1. */
  listen(port?: number, host?: string): Promise<{ host: string; port: number; url: string }>
  /** Stops taking requests (ready → 503), finishes those in flight, then frees the layers. */
  close(): Promise<void>
  /** Model name → the backend running it. */
  readonly backends: Readonly<Record<string, string>>
  /** Model name → its live streams, queue and batching counters. */
  stats(): Readonly<Record<string, ModelStats>>
}

const DEFAULTS = {
  batching: true,
  windowMs: 1,
  maxBatch: 1024,
  maxQueue: 8192,
  maxStreams: 10_000,
  idleTimeoutMs: 60_000,
  maxBodyBytes: 16 * 1024 * 1024,
}

const MODEL_NAME = /^[A-Za-z0-9_.-]{1,128}$/

function checkPositive(value: number, what: string, zeroOk = false): number {
  if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new ParameterError(`${what} must be a number ${zeroOk ? '≥' : '>'} 0, got ${value}`)
  }
  return value
}

/**
 * A KServe-v2 HTTP server for these layers, with Triton-style stateful streams batched across
 * callers. The layers are made (on `backend`) before it resolves; call `listen` to accept requests.
 */
export async function createServer(options: ServerOptions): Promise<LeakyServer> {
  const names = Object.keys(options.layers ?? {})
  if (names.length === 0)
    throw new ParameterError('createServer needs at least one layer: { layers: { name: spec } }')
  for (const name of names) {
    if (!MODEL_NAME.test(name)) {
      throw new ParameterError(
        `model name ${JSON.stringify(name)} must be 1-128 letters, digits, '_', '-' or '.'`,
      )
    }
  }
  const batching: BatchingOptions = {
    batching: options.batching ?? DEFAULTS.batching,
    windowMs: checkPositive(options.windowMs ?? DEFAULTS.windowMs, 'windowMs', true),
    maxBatch: checkPositive(options.maxBatch ?? DEFAULTS.maxBatch, 'maxBatch'),
    maxQueue: checkPositive(options.maxQueue ?? DEFAULTS.maxQueue, 'maxQueue'),
    maxStreams: checkPositive(options.maxStreams ?? DEFAULTS.maxStreams, 'maxStreams'),
    idleTimeoutMs: checkPositive(options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs, 'idleTimeoutMs'),
  }
  const maxBodyBytes = checkPositive(options.maxBodyBytes ?? DEFAULTS.maxBodyBytes, 'maxBodyBytes')

  const models = new Map<string, ServedModel>()
  try {
    for (const name of names) {
      const spec = options.layers[name] as LayerSpec
      const layer = await createLayer(spec, {
        prefer: preference(options.backend),
        workload: { neurons: spec.neurons, steps: 1, batch: 1, mode: 'step' },
      })
      models.set(name, new ServedModel(name, layer, batching))
    }
  } catch (error) {
    for (const model of models.values()) {
      model.close()
      await model.layer.dispose()
    }
    throw error
  }

  let closing: Promise<void> | undefined
  const active = new Set<Promise<void>>()

  const http = createHttpServer((req, res) => {
    const done = handle(req, res).catch(() => {
      // handle() answers every error it can; this only guards a socket that died mid-answer.
      if (!res.headersSent) res.destroy()
    })
    active.add(done)
    done.finally(() => active.delete(done))
  })
  http.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
    else socket.destroy()
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (closing) {
        res.setHeader('connection', 'close')
        throw new RequestError(503, 'the server is shutting down')
      }
      await route(req, res)
    } catch (error) {
      // Drain what the client still sends so the connection stays usable (or closes cleanly).
      req.resume()
      if (error instanceof RequestError) return sendJson(res, error.status, { error: error.message })
      // Requests are checked before they run: anything else (a backend that failed) is the server's.
      const what = error instanceof LeakyError ? 'backend error' : 'internal error'
      sendJson(res, 500, { error: `${what}: ${error instanceof Error ? error.message : String(error)}` })
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] as string
    const parts = path.split('/').filter((p) => p !== '')
    const method = req.method ?? 'GET'
    const expect = (wanted: string) => {
      if (method !== wanted) throw new RequestError(405, `${path} takes ${wanted}, not ${method}`)
    }
    if (parts[0] !== 'v2') throw new RequestError(404, `no route ${path} (KServe v2 routes start with /v2)`)
    if (parts.length === 1) {
      expect('GET')
      return sendJson(res, 200, {
        name: 'leaky',
        version: '0.1.0',
        extensions: ['binary_tensor_data', 'sequence', 'sequence(string_id)'],
      })
    }
    if (parts[1] === 'health' && parts.length === 3 && (parts[2] === 'live' || parts[2] === 'ready')) {
      expect('GET')
      res.writeHead(200).end()
      return
    }
    if (parts[1] === 'models' && parts.length >= 3) {
      const name = decodeName(parts[2] as string)
      const model = models.get(name)
      if (!model)
        throw new RequestError(404, `unknown model "${name}" (served: ${[...models.keys()].join(', ')})`)
      // /v2/models/NAME[/versions/1]/… : leaky serves one version, "1".
      let rest = parts.slice(3)
      if (rest[0] === 'versions') {
        if (rest[1] !== '1')
          throw new RequestError(404, `model "${name}" has one version, "1"; got "${rest[1] ?? ''}"`)
        rest = rest.slice(2)
      }
      if (rest.length === 0) {
        expect('GET')
        const s = model.signature
        return sendJson(res, 200, {
          name,
          versions: ['1'],
          platform: `leaky_${model.layer.backend}`,
          inputs: [{ name: s.input, datatype: 'FP32', shape: [-1, s.inputs] }],
          outputs: [{ name: s.output, datatype: 'FP32', shape: [-1, s.neurons] }],
        })
      }
      if (rest.length === 1 && rest[0] === 'ready') {
        expect('GET')
        res.writeHead(200).end()
        return
      }
      if (rest.length === 1 && rest[0] === 'infer') {
        expect('POST')
        return infer(model, req, res)
      }
    }
    throw new RequestError(404, `no route ${path}`)
  }

  async function infer(model: ServedModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = decode(await readBody(req, maxBodyBytes), req.headers['content-encoding'], maxBodyBytes)
    const header = req.headers['inference-header-content-length']
    const { json, binary } = splitBody(body, Array.isArray(header) ? header[0] : header)
    const request = parseInferRequest(json, binary, model.signature)
    const voltages = await model.infer(request)
    const encoded = encodeInferResponse(model.signature, request, voltages)
    res.writeHead(200, { ...encoded.headers, 'content-length': String(encoded.body.length) })
    res.end(encoded.body)
  }

  return {
    backends: Object.fromEntries([...models].map(([name, m]) => [name, m.layer.backend])),
    stats: () => Object.fromEntries([...models].map(([name, m]) => [name, m.stats()])),
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        http.once('error', reject)
        http.listen(port, host, () => {
          http.off('error', reject)
          const address = http.address() as AddressInfo
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
          resolve({ host: address.address, port: address.port, url: `http://${shown}:${address.port}` })
        })
      })
    },
    close() {
      closing ??= (async () => {
        // Stop accepting; idle keep-alive sockets close now, busy ones after their answer.
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
        http.closeIdleConnections()
        await Promise.all([...active])
        await Promise.all([...models.values()].map((m) => m.drained()))
        http.closeAllConnections()
        await stopped
        for (const model of models.values()) {
          model.close()
          await model.layer.dispose()
        }
      })()
      return closing
    },
  }
}

/** createLayer's `prefer` on this branch: 'auto' or a list (the new API also takes a single name or alias). */
function preference(backend: string | readonly string[] | undefined): readonly string[] | 'auto' {
  if (backend === undefined || backend === 'auto') return 'auto'
  return typeof backend === 'string' ? [backend] : backend
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function decodeName(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new RequestError(400, `the model name in the URL is not valid percent-encoding: "${segment}"`)
  }
}

/** The body, refused as soon as it passes the limit (Content-Length first, then as it streams). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new RequestError(413, `the body is ${declared} bytes; the limit is ${limit}`))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.removeAllListeners('data')
        reject(new RequestError(413, `the body is over the limit of ${limit} bytes`))
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks, size)))
    req.on('error', reject)
    // A client that hangs up mid-body: settle, so close() never waits on it.
    req.on('close', () => {
      if (!req.complete)
        reject(new RequestError(400, 'the client closed the connection before the body ended'))
    })
  })
}

/** Content-Encoding gzip or deflate (tritonclient's request_compression_algorithm), bounded after inflating. */
function decode(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  if (encoding === undefined || encoding === 'identity') return body
  try {
    if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: limit })
    if (encoding === 'deflate') return inflateSync(body, { maxOutputLength: limit })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_BUFFER_TOO_LARGE')
      throw new RequestError(413, `the inflated body is over ${limit} bytes`)
    throw new RequestError(400, `the body is not valid ${encoding}: ${(error as Error).message}`)
  }
  throw new RequestError(400, `Content-Encoding "${encoding}" is not supported (identity, gzip, deflate)`)
}
