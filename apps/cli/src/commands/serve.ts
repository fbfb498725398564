import type { LayerSpec } from '@leaky/core'
import { createServer } from '@leaky/serve'
import { loadBackends } from '../backends.js'
import {
  type CommandHelp,
  formatHelp,
  parseFlags,
  requireInteger,
  requireNumber,
  UsageError,
} from '../usage.js'
import { readParams, readWeights } from './export.js'

export const serveHelp: CommandHelp = {
  usage:
    'leaky serve (--neurons N | --weights FILE.json) [--params FILE.json] [--dt DT] [--name li]\n' +
    '       [--backend NAME|auto] [--host 127.0.0.1] [--port 8000] [--window-ms 1] [--no-batching]\n' +
    '       [--max-streams 10000] [--max-queue 8192] [--max-batch 1024] [--idle-timeout-s 60] [--max-body-mb 16]',
  description:
    'Serves an LI layer over HTTP with the KServe v2 protocol (the one Triton speaks), stateful streams\n' +
    "as Triton's sequence batcher names them: request parameters sequence_id, sequence_start,\n" +
    "sequence_end. Each stream keeps its (v, i) between requests from Norse's default (v = vLeak, i = 0)\n" +
    'until sequence_end or --idle-timeout-s without a request. Input "x" [T, inputs] FP32, output\n' +
    '"v_new" [T, neurons]; JSON or binary tensors. Requests of different streams arriving within\n' +
    '--window-ms go to the backend as one batched call. Stops on SIGTERM/SIGINT after the requests in\n' +
    'flight. --port 0 picks a free port; the address is printed on the first line.',
  examples: [
    'leaky serve --neurons 1000 --port 8000',
    'leaky serve --weights w.json --params p.json --backend node-cpu --name decoder',
    'leaky export --neuron feed-forward --neurons 1000 --triton models   # the same model for Triton',
  ],
}

function wholeOrZero(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} takes a port from 0 to 65535, got "${value}"`, usage)
  return n
}

export async function serve(args: string[]): Promise<number> {
  const usage = serveHelp.usage
  const { values } = parseFlags(
    args,
    {
      neurons: { type: 'string' },
      weights: { type: 'string' },
      params: { type: 'string' },
      dt: { type: 'string' },
      name: { type: 'string' },
      backend: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'window-ms': { type: 'string' },
      'no-batching': { type: 'boolean' },
      'max-streams': { type: 'string' },
      'max-queue': { type: 'string' },
      'max-batch': { type: 'string' },
      'idle-timeout-s': { type: 'string' },
      'max-body-mb': { type: 'string' },
    },
    serveHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(serveHelp))
    return 0
  }
  const weights = values.weights ? await readWeights(values.weights) : undefined
  const neurons = requireInteger(values.neurons, '--neurons', usage) ?? weights?.shape[0]
  if (neurons === undefined) throw new UsageError('--neurons N or --weights FILE.json is required', usage)
  if (weights && neurons !== weights.shape[0])
    throw new UsageError(`--neurons ${neurons} but the weights are [${weights.shape.join(', ')}]`, usage)
  const dt = requireNumber(values.dt, '--dt', usage)
  const windowMs = requireNumber(values['window-ms'], '--window-ms', usage)
  if (windowMs !== undefined && windowMs < 0) throw new UsageError('--window-ms takes a number ≥ 0', usage)
  const idle = requireNumber(values['idle-timeout-s'], '--idle-timeout-s', usage)
  const body = requireNumber(values['max-body-mb'], '--max-body-mb', usage)
  const spec: LayerSpec = {
    neurons,
    ...(values.params ? { params: await readParams(values.params) } : {}),
    ...(weights ? { weights } : {}),
    ...(dt !== undefined ? { dt } : {}),
    onWarning: (w) => process.stderr.write(`leaky: warning: ${w.message}\n`),
  }
  const name = values.name ?? 'li'
  await loadBackends() // node-cpu & co. register themselves; js is always there
  const server = await createServer({
    layers: { [name]: spec },
    // One name or alias ('auto', 'cpu', …) as given; a comma list is an order of preference.
    ...(values.backend
      ? { backend: values.backend.includes(',') ? values.backend.split(',') : values.backend }
      : {}),
    batching: !values['no-batching'],
    ...(windowMs !== undefined ? { windowMs } : {}),
    ...(values['max-streams']
      ? { maxStreams: requireInteger(values['max-streams'], '--max-streams', usage) }
      : {}),
    ...(values['max-queue'] ? { maxQueue: requireInteger(values['max-queue'], '--max-queue', usage) } : {}),
    ...(values['max-batch'] ? { maxBatch: requireInteger(values['max-batch'], '--max-batch', usage) } : {}),
    ...(idle !== undefined ? { idleTimeoutMs: idle * 1000 } : {}),
    ...(body !== undefined ? { maxBodyBytes: Math.round(body * 1024 * 1024) } : {}),
  })
  let address: { url: string }
  try {
    address = await server.listen(
      wholeOrZero(values.port, '--port', usage) ?? 8000,
      values.host ?? '127.0.0.1',
    )
  } catch (error) {
    await server.close()
    throw error
  }
  const batching = values['no-batching'] ? 'batching off' : `batching within ${windowMs ?? 1} ms`
  process.stdout.write(
    `leaky serve: ${address.url} model "${name}" (${neurons} neurons, ${server.backends[name]}; ${batching})\n`,
  )
  // Runs until a signal: then answers what is in flight, frees the layers and exits 0.
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`leaky serve: ${signal}, finishing requests in flight\n`)
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
      server.close().then(resolve, resolve)
    }
    const onTerm = () => stop('SIGTERM')
    const onInt = () => stop('SIGINT')
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
  })
  process.stdout.write('leaky serve: stopped\n')
  return 0
}
