/** A minimal KServe v2 client over fetch for the tests (the Python tests use Triton's own client). */
import { type LayerSpec, resolveSpec, simulate } from '@leaky/core'

export interface Reply {
  readonly status: number
  readonly body: Record<string, unknown>
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : {} }
}

/** A JSON infer request for `steps` rows of x, in a stream. */
export function inferBody(
  x: Float32Array,
  steps: number,
  inputs: number,
  sequence?: { id: number | string; start?: boolean; end?: boolean },
): unknown {
  return {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [steps, inputs], data: Array.from(x) }],
    ...(sequence
      ? {
          parameters: {
            sequence_id: sequence.id,
            sequence_start: sequence.start ?? false,
            sequence_end: sequence.end ?? false,
          },
        }
      : {}),
  }
}

export function voltagesOf(reply: Reply): Float32Array {
  const outputs = reply.body.outputs as { name: string; data: number[] }[]
  return Float32Array.from(outputs[0]?.data ?? [])
}

/** Core's simulate on the whole input [T, inputs] from rest: what the stream must have produced. */
export function expected(spec: LayerSpec, x: Float32Array, steps: number): Float32Array {
  const resolved = resolveSpec(spec)
  return simulate(resolved, { data: x, shape: [steps, resolved.inputs] }).voltages.data
}

export function randomInput(size: number, next: () => number): Float32Array {
  return Float32Array.from({ length: size }, () => next() * 4 - 1)
}
