/**
 * Reads a KServe v2 inference request: the JSON object, and with the binary tensor extension the raw
 * tensor bytes after it (`Inference-Header-Content-Length` gives the JSON's length). Everything is
 * checked against the model before anything runs; nothing unknown is ignored.
 */
import { endianness } from 'node:os'
import { badRequest } from './errors.js'

const LITTLE_ENDIAN = endianness() === 'LE'

/** What a model accepts: one FP32 input [T, inputs] and one FP32 output [T, neurons]. */
export interface ModelSignature {
  readonly name: string
  readonly input: string
  readonly output: string
  /** Columns of the input (neurons for a feed-forward layer). */
  readonly inputs: number
  readonly neurons: number
}

/** Which stream a request belongs to (Triton's sequence extension). */
export interface SequenceControl {
  /** A key unique per id and per id type: the uint64 42 and the string "42" are different streams. */
  readonly key: string
  /** The id as the client sent it, for messages. */
  readonly label: string
  readonly start: boolean
  readonly end: boolean
}

export interface InferRequest {
  readonly id: string | undefined
  /** Undefined: not part of a sequence (sequence_id absent, 0 or ""): runs from rest, keeps nothing. */
  readonly sequence: SequenceControl | undefined
  readonly steps: number
  /** steps × inputs, row-major. */
  readonly x: Float32Array
  readonly binaryOutput: boolean
}

const REQUEST_PARAMETERS = ['sequence_id', 'sequence_start', 'sequence_end', 'binary_data_output']
const REQUEST_KEYS = ['id', 'inputs', 'outputs', 'parameters', 'model_name', 'model_version']

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkKeys(object: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw badRequest(`${what} has an unknown field "${key}" (leaky serve reads: ${allowed.join(', ')})`)
    }
  }
}

function optionalBoolean(value: unknown, what: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean')
    throw badRequest(`${what} must be true or false, got ${JSON.stringify(value)}`)
  return value
}

function readSequence(parameters: Record<string, unknown>): SequenceControl | undefined {
  const id = parameters.sequence_id
  const start = optionalBoolean(parameters.sequence_start, 'parameter sequence_start')
  const end = optionalBoolean(parameters.sequence_end, 'parameter sequence_end')
  let key: string | undefined
  if (id === undefined || id === 0 || id === '') key = undefined
  else if (typeof id === 'string') key = `s:${id}`
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) key = `u:${id}`
  else if (typeof id === 'number' && Number.isInteger(id) && id > 0) {
    throw badRequest(
      `sequence_id ${id} is above 2^53 − 1 and cannot be read exactly from JSON: send it as a string`,
    )
  } else {
    throw badRequest(`sequence_id must be an unsigned integer or a string, got ${JSON.stringify(id)}`)
  }
  if (key === undefined) {
    if (start || end)
      throw badRequest('sequence_start and sequence_end need a non-zero, non-empty sequence_id')
    return undefined
  }
  return { key, label: JSON.stringify(id), start, end }
}

function checkShape(shape: unknown, model: ModelSignature): number {
  const expected = `[T, ${model.inputs}] (T ≥ 1 steps)`
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw badRequest(`input "${model.input}": shape must be an array of whole numbers, ${expected}`)
  }
  if (shape.length !== 2 || shape[1] !== model.inputs || shape[0] < 1) {
    throw badRequest(`input "${model.input}": shape must be ${expected}, got [${shape.join(', ')}]`)
  }
  return shape[0] as number
}

/** The JSON "data" of a tensor: flat or nested (row-major), numbers only. */
function readJsonData(data: unknown, size: number, model: ModelSignature): Float32Array {
  if (!Array.isArray(data)) throw badRequest(`input "${model.input}": "data" must be an array of numbers`)
  const flat = data.flat(2) as unknown[]
  if (flat.length !== size) {
    throw badRequest(`input "${model.input}": its shape holds ${size} values, "data" has ${flat.length}`)
  }
  const out = new Float32Array(size)
  for (let k = 0; k < size; k++) {
    const value = flat[k]
    if (typeof value !== 'number') {
      throw badRequest(`input "${model.input}": data[${k}] is ${JSON.stringify(value)}, not a number`)
    }
    out[k] = value
  }
  return out
}

/** Splits a body into its JSON header and binary part (binary tensor data extension). */
export function splitBody(body: Buffer, headerLength: string | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) }
  const n = Number(headerLength)
  if (headerLength.trim() === '' || !Number.isSafeInteger(n) || n <= 0 || n > body.length) {
    throw badRequest(
      `Inference-Header-Content-Length must be a whole number from 1 to the body's ${body.length} bytes, got "${headerLength}"`,
    )
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) }
}

export function parseInferRequest(json: Buffer, binary: Buffer, model: ModelSignature): InferRequest {
  let doc: unknown
  try {
    doc = JSON.parse(json.toString('utf8'))
  } catch (error) {
    throw badRequest(`the request is not JSON: ${(error as Error).message}`)
  }
  if (!isObject(doc)) throw badRequest('the request must be a JSON object {"inputs": [...], ...}')
  checkKeys(doc, REQUEST_KEYS, 'the request')
  if (doc.id !== undefined && typeof doc.id !== 'string') throw badRequest('"id" must be a string')
  if (doc.model_name !== undefined && doc.model_name !== model.name) {
    throw badRequest(`"model_name" is ${JSON.stringify(doc.model_name)} but the URL names "${model.name}"`)
  }
  const parameters = doc.parameters ?? {}
  if (!isObject(parameters)) throw badRequest('"parameters" must be an object')
  checkKeys(parameters, REQUEST_PARAMETERS, 'the request\'s "parameters"')
  const sequence = readSequence(parameters)
  let binaryOutput = optionalBoolean(parameters.binary_data_output, 'parameter binary_data_output')

  if (!Array.isArray(doc.inputs))
    throw badRequest(`"inputs" must be an array holding the input "${model.input}"`)
  if (doc.inputs.length !== 1) {
    throw badRequest(
      `model "${model.name}" takes exactly one input, "${model.input}"; got ${doc.inputs.length}`,
    )
  }
  const input = doc.inputs[0]
  if (!isObject(input)) throw badRequest('each input must be an object {name, shape, datatype, data}')
  checkKeys(input, ['name', 'shape', 'datatype', 'data', 'parameters'], `input ${JSON.stringify(input.name)}`)
  if (input.name !== model.input) {
    throw badRequest(
      `model "${model.name}" has no input ${JSON.stringify(input.name)}; its input is "${model.input}"`,
    )
  }
  if (input.datatype !== 'FP32') {
    throw badRequest(
      `input "${model.input}" must have datatype "FP32", got ${JSON.stringify(input.datatype)}`,
    )
  }
  const steps = checkShape(input.shape, model)
  const size = steps * model.inputs
  const inputParameters = input.parameters ?? {}
  if (!isObject(inputParameters)) throw badRequest(`input "${model.input}": "parameters" must be an object`)
  checkKeys(inputParameters, ['binary_data_size'], `input "${model.input}" "parameters"`)
  let x: Float32Array
  const binarySize = inputParameters.binary_data_size
  if (binarySize !== undefined) {
    if (input.data !== undefined)
      throw badRequest(`input "${model.input}" has both "data" and binary_data_size`)
    if (binarySize !== size * 4) {
      throw badRequest(
        `input "${model.input}": binary_data_size must be ${size * 4} bytes for shape [${steps}, ${model.inputs}] FP32, got ${JSON.stringify(binarySize)}`,
      )
    }
    if (binary.length !== binarySize) {
      throw badRequest(
        `the body holds ${binary.length} bytes after the JSON header; binary_data_size says ${binarySize}`,
      )
    }
    // Copied out (the body buffer is pooled and may be unaligned): little-endian FP32, row-major.
    x = new Float32Array(size)
    if (LITTLE_ENDIAN) new Uint8Array(x.buffer).set(binary)
    else {
      const view = new DataView(binary.buffer, binary.byteOffset, binary.length)
      for (let k = 0; k < size; k++) x[k] = view.getFloat32(4 * k, true)
    }
  } else {
    if (binary.length !== 0) {
      throw badRequest(`the body has ${binary.length} bytes after the JSON header but no input is binary`)
    }
    if (input.data === undefined)
      throw badRequest(`input "${model.input}" has no "data" and no binary_data_size`)
    x = readJsonData(input.data, size, model)
  }

  if (doc.outputs !== undefined) {
    if (!Array.isArray(doc.outputs)) throw badRequest('"outputs" must be an array')
    for (const output of doc.outputs) {
      if (!isObject(output)) throw badRequest('each requested output must be an object {name, parameters}')
      checkKeys(output, ['name', 'parameters'], `output ${JSON.stringify(output.name)}`)
      if (output.name !== model.output) {
        throw badRequest(
          `model "${model.name}" has no output ${JSON.stringify(output.name)}; its output is "${model.output}"`,
        )
      }
      const p = output.parameters ?? {}
      if (!isObject(p)) throw badRequest(`output "${model.output}": "parameters" must be an object`)
      checkKeys(p, ['binary_data'], `output "${model.output}" "parameters"`)
      if (p.binary_data !== undefined)
        binaryOutput = optionalBoolean(p.binary_data, 'output parameter binary_data')
    }
  }
  return { id: doc.id as string | undefined, sequence, steps, x, binaryOutput }
}
