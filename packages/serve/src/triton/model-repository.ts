/**
 * A Triton Inference Server model repository for one leaky layer: the ONNX step model (x, v, i) →
 * (v_new, i_new) with a batch dim, and a config.pbtxt whose sequence batcher keeps each sequence's
 * (v, i) as implicit state (state { input_name output_name data_type dims initial_state }), started
 * at Norse's default (v = vLeak, i = 0). A client of `leaky serve` sends the same request to Triton:
 * input "x" [1, inputs] FP32 per step, output "v_new", parameters sequence_id/start/end.
 *
 *   DIR/NAME/config.pbtxt
 *   DIR/NAME/1/model.onnx
 *   DIR/NAME/initial_state/v_leak     (only when vLeak ≠ 0: N float32, little-endian)
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type LayerSpec, ParameterError, type ResolvedLayerSpec, resolveSpec } from '@leaky/core'
import { exportModel, STEP_IO } from '@leaky/onnx'

/** How the Triton model repository is written: the model's name and Triton's sequence-batcher settings. */
export interface TritonOptions {
  /** The model's name in the repository (the folder, and /v2/models/NAME). Default "li". */
  readonly name?: string
  /** The most sequences Triton stacks into one model call. Default 64. */
  readonly maxBatchSize?: number
  /** How long Triton waits to fill a batch, in µs (the "oldest" strategy). Default 1000. */
  readonly maxQueueDelayMicroseconds?: number
  /** A sequence idle this long is freed, in µs. Default 60 s. */
  readonly maxSequenceIdleMicroseconds?: number
  /** Sequences one model instance keeps at once. Default 1024. */
  readonly maxCandidateSequences?: number
}

/** The files a Triton model repository was written as. */
export interface TritonRepository {
  readonly name: string
  /** Path inside the repository (forward slashes) → bytes. */
  readonly files: ReadonlyMap<string, Uint8Array>
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/
const V_LEAK_FILE = 'v_leak'

function whole(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ParameterError(`${what} must be a whole number > 0, got ${value}`)
  return value
}

/** The repository's files, in memory. */
export function tritonRepository(
  spec: LayerSpec | ResolvedLayerSpec,
  options: TritonOptions = {},
): TritonRepository {
  const name = options.name ?? 'li'
  if (!NAME.test(name) || name === '.' || name === '..') {
    throw new ParameterError(
      `Triton model name ${JSON.stringify(name)} must be 1-128 letters, digits, '_', '-' or '.'`,
    )
  }
  const maxBatch = whole(options.maxBatchSize ?? 64, 'maxBatchSize')
  const delay = whole(options.maxQueueDelayMicroseconds ?? 1000, 'maxQueueDelayMicroseconds')
  const idle = whole(options.maxSequenceIdleMicroseconds ?? 60_000_000, 'maxSequenceIdleMicroseconds')
  const candidates = whole(options.maxCandidateSequences ?? 1024, 'maxCandidateSequences')
  const resolved = 'coefficients' in spec ? spec : resolveSpec(spec)
  const { onnx } = exportModel(resolved, { graph: 'step', batchRank: 1 })
  const N = resolved.neurons
  const vLeak = resolved.coefficients.vLeak
  const zeroLeak = vLeak.every((x) => x === 0 && !Object.is(x, -0))

  const files = new Map<string, Uint8Array>()
  const initialV = zeroLeak ? 'zero_data: true' : `data_file: "${V_LEAK_FILE}"`
  const state = (input: string, output: string, initial: string, label: string) => `    {
      input_name: "${input}"
      output_name: "${output}"
      data_type: TYPE_FP32
      dims: [ ${N} ]
      initial_state {
        data_type: TYPE_FP32
        dims: [ ${N} ]
        ${initial}
        name: "${label}"
      }
    }`
  const config = `# Written by leaky (leaky export --triton): Norse's leaky integrator, ${resolved.kind}, ${N} neurons,
# one time step per request. Triton keeps each sequence's (v, i) as implicit state between requests,
# starting at Norse's default (v = vLeak, i = 0); requests of different sequences are batched.
name: "${name}"
backend: "onnxruntime"
max_batch_size: ${maxBatch}
input [
  {
    name: "${STEP_IO.x}"
    data_type: TYPE_FP32
    dims: [ ${resolved.inputs} ]
  }
]
output [
  {
    name: "${STEP_IO.vNew}"
    data_type: TYPE_FP32
    dims: [ ${N} ]
  }
]
sequence_batching {
  max_sequence_idle_microseconds: ${idle}
  oldest {
    max_candidate_sequences: ${candidates}
    preferred_batch_size: [ ${maxBatch} ]
    max_queue_delay_microseconds: ${delay}
  }
  state [
${state(STEP_IO.v, STEP_IO.vNew, initialV, 'v = vLeak')},
${state(STEP_IO.i, STEP_IO.iNew, 'zero_data: true', 'i = 0')}
  ]
}
`
  files.set('config.pbtxt', new TextEncoder().encode(config))
  files.set('1/model.onnx', onnx)
  if (!zeroLeak) {
    const bytes = new Uint8Array(4 * N)
    const view = new DataView(bytes.buffer)
    for (let n = 0; n < N; n++) view.setFloat32(4 * n, vLeak[n] as number, true)
    files.set(`initial_state/${V_LEAK_FILE}`, bytes)
  }
  return { name, files }
}

/**
 * Writes the repository's model folder DIR/NAME. It is assembled in a temporary folder beside it and
 * renamed into place, so DIR/NAME is complete or absent; an existing DIR/NAME is never overwritten.
 * Returns the paths written.
 */
export function writeTritonRepository(
  dir: string,
  spec: LayerSpec | ResolvedLayerSpec,
  options: TritonOptions = {},
): string[] {
  const repository = tritonRepository(spec, options)
  mkdirSync(dir, { recursive: true })
  const target = join(dir, repository.name)
  const staging = mkdtempSync(join(dir, `.${repository.name}.tmp-`))
  try {
    for (const [path, bytes] of repository.files) {
      const file = join(staging, path)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, bytes)
    }
    try {
      renameSync(staging, target)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
        throw new ParameterError(
          `${target} already exists: leaky does not overwrite it (remove it, or choose another name)`,
        )
      }
      throw error
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    throw error
  }
  return [...repository.files.keys()].map((path) => join(target, path))
}
