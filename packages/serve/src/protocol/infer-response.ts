import { endianness } from 'node:os'
import type { InferRequest, ModelSignature } from './infer-request.js'

/** The wire format is little-endian FP32: on a little-endian host the array's bytes go out as they are. */
const LITTLE_ENDIAN = endianness() === 'LE'

export interface EncodedResponse {
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** The KServe v2 response: the voltages [T, neurons] as JSON numbers or as binary FP32 after the JSON. */
export function encodeInferResponse(
  model: ModelSignature,
  request: InferRequest,
  voltages: Float32Array,
): EncodedResponse {
  const output: Record<string, unknown> = {
    name: model.output,
    datatype: 'FP32',
    shape: [request.steps, model.neurons],
  }
  const head = { model_name: model.name, model_version: '1', ...(request.id ? { id: request.id } : {}) }
  if (!request.binaryOutput) {
    output.data = Array.from(voltages)
    return {
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ ...head, outputs: [output] })),
    }
  }
  output.parameters = { binary_data_size: voltages.byteLength }
  const json = Buffer.from(JSON.stringify({ ...head, outputs: [output] }))
  let binary: Buffer
  if (LITTLE_ENDIAN) binary = Buffer.from(voltages.buffer, voltages.byteOffset, voltages.byteLength)
  else {
    binary = Buffer.alloc(voltages.byteLength)
    for (let k = 0; k < voltages.length; k++) binary.writeFloatLE(voltages[k] as number, 4 * k)
  }
  return {
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(json.length),
    },
    body: Buffer.concat([json, binary]),
  }
}
