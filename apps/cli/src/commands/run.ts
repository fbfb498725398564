import { closeSync, openSync, writeSync } from 'node:fs'
import {
  createLayer,
  FormatError,
  type LIParameters,
  type LIState,
  type ParameterValue,
  type Skipped,
  sizeOf,
  type Tensor,
} from '@leaky/core'
import { writeNpy } from '@leaky/interop'
import { createNpyFile, type NpyFileWriter } from '@leaky/interop/node'
import { loadBackends } from '../backends.js'
import { writeAll, writeFailure, writeOutputs } from '../files/output.js'
import { checkOutputs, type NamedPath } from '../files/paths.js'
import {
  type ArrayReader,
  isNpy as isNpyPath,
  jsonNumbers,
  MAX_JSON_BYTES,
  openArray,
  readArray,
  readJsonFile,
  tensorFromJson,
} from '../io.js'
import { type CommandHelp, formatHelp, parseFlags, requireNumber, UsageError } from '../usage.js'
import { loadNirModel, modelRunner } from './run-model.js'

export const runHelp: CommandHelp = {
  usage:
    'leaky run --input FILE.npy|FILE.json --out FILE.npy|FILE.json [--backend NAME[,NAME...]|auto] ' +
    '[--params FILE.json | --tau-syn-inv X --tau-mem-inv X --v-leak X] [--dt DT] [--weights FILE.npy|FILE.json] ' +
    '[--state FILE.npy|FILE.json] [--record-states]\n' +
    '       leaky run --model FILE.nir --input FILE.npy|FILE.json --out FILE.npy|FILE.json [--backend NAME[,NAME...]|auto] [--dt DT]',
  description:
    'Simulates an LI layer on a time-first input [T, ...batch, inputs] (float32/float64 .npy, or JSON\n' +
    '{ "shape": [...], "data": [...] } flat in C order). Without --weights the layer is feed-forward\n' +
    "(Norse li_feed_forward_step) with one neuron per input column; with weights [N, inputs] it is Norse's\n" +
    'li_step (x·Wᵀ). Starts from v = vLeak, i = 0 unless --state gives { "v": {shape,data}, "i": {...} }.\n' +
    '--params takes { "tauSynInv", "tauMemInv", "vLeak" } (or Norse\'s tau_syn_inv, …), each a number, a\n' +
    "per-neuron list or { shape, data }; the --tau-* / --v-leak flags override it. Defaults are Norse's.\n" +
    'Output .json: { voltages: {shape,data}, state: {v,i}, states?: {i} } (with --record-states; states.v\n' +
    'is voltages); JSON has no NaN or ±Inf, so a run that produces them is refused: use .npy. Output .npy:\n' +
    'the voltages; the final state goes to OUT.state.npy [2, ...batch, N] (give it back with --state) and,\n' +
    'with --record-states, i after every step to OUT.i.npy.\n' +
    'Files are never damaged: outputs are written beside their names and renamed into place when complete\n' +
    '(a failure, Ctrl-C or SIGTERM leaves the previous files as they were; exit 130/143 on a signal), an\n' +
    'output that is one of the inputs is refused, and so are inputs that are not regular files and JSON\n' +
    `inputs over ${MAX_JSON_BYTES / 2 ** 20} MiB (use .npy, which streams).\n` +
    'Large inputs are streamed: .npy is read and the output written a time slice at a time (≈16 MB of\n' +
    'input per run() call, the state carried between slices), so neither whole array sits in memory.\n' +
    '--model FILE.nir runs a NIR graph (Input → Affine/Linear → CubaLI|LI → … → Output; see\n' +
    'packages/interop/README.md for the convention) instead of one layer, discretized with --dt (default: the\n' +
    "file's metadata/dt, else 0.001); the output is the last layer's voltages. Each CubaLI layer runs on the\n" +
    'backend, in sequence, streamed by time slices. NIR LI layers and Affine biases exist only on the js math:\n' +
    'with --backend js or auto the whole model then runs there in memory (said on stderr); another backend\n' +
    'is an error. Unsupported nodes (CubaLIF, LIF, Conv, …) are named, every one, in one error (exit 2).',
  examples: [
    'leaky run --input spikes.npy --out v.npy',
    'leaky run --input x.json --out v.json --backend js --tau-mem-inv 50 --dt 0.0005',
    'leaky run --input more.npy --state v.state.npy --out v2.npy --backend node-cuda,node-cpu,js',
    'leaky run --input spikes.npy --weights w.npy --params p.json --out v.json --record-states',
    'leaky run --model net.nir --input spikes.npy --out v.npy --backend node-cpu --dt 0.0001',
  ],
}

/** Input values per run() call: bounds memory for big files and keeps calls large enough to be fast. */
const SLICE_VALUES = 4 * 1024 * 1024

/** The share of non-zero values (NaN counts) in the input's first slice of whole steps. */
async function leadingDensity(reader: ArrayReader, steps: number, rowIn: number): Promise<number> {
  const data = await reader.read(0, Math.min(steps, Math.max(1, Math.floor(SLICE_VALUES / rowIn))))
  let active = 0
  for (const e of data) if (e !== 0) active++
  return data.length > 0 ? active / data.length : 1
}

function parameterFrom(value: unknown, what: string): ParameterValue | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number') return value
  if (Array.isArray(value)) {
    if (!value.every((x) => typeof x === 'number')) throw new FormatError(`${what} must hold numbers`)
    return Float32Array.from(value as number[])
  }
  const t = tensorFromJson(value, what)
  return t.shape.length === 0 ? (t.data[0] as number) : t.data
}

function readParams(path: string): Partial<LIParameters> {
  const doc = readJsonFile(path) as Record<string, unknown> | null
  if (typeof doc !== 'object' || doc === null) throw new FormatError(`${path}: expected a JSON object`)
  const pick = (camel: string, snake: string) => parameterFrom(doc[camel] ?? doc[snake], `${path}: ${camel}`)
  const out: Record<string, ParameterValue> = {}
  for (const [camel, snake] of [
    ['tauSynInv', 'tau_syn_inv'],
    ['tauMemInv', 'tau_mem_inv'],
    ['vLeak', 'v_leak'],
  ] as const) {
    const v = pick(camel, snake)
    if (v !== undefined) out[camel] = v
  }
  return out
}

/** Streams { voltages, state, states? } to a JSON file without building the whole string. */
class JsonOutput {
  private readonly fd: number
  private first = true
  private readonly iChunks: Float32Array[] = []
  /** `temp` receives the bytes; `path` (the user's name) is the one errors name. */
  constructor(
    temp: string,
    private readonly path: string,
    private readonly shape: number[],
  ) {
    this.fd = openSync(temp, 'w')
    this.write(`{"voltages":{"shape":${JSON.stringify(shape)},"data":[`)
  }
  private write(text: string): void {
    try {
      writeSync(this.fd, text)
    } catch (error) {
      throw writeFailure(this.path, error)
    }
  }
  append(v: Float32Array, i?: Float32Array): void {
    for (let k = 0; k < v.length; k += 65_536) {
      const piece = jsonNumbers(v.subarray(k, k + 65_536), `${this.path}: voltages`)
      this.write(this.first ? piece : `,${piece}`)
      this.first = false
    }
    if (i) this.iChunks.push(i.slice())
  }
  /** Without a state (a whole model's run), the document holds only the voltages. */
  finish(state: LIState | undefined, recordStates: boolean): void {
    const t = (x: Tensor, what: string) =>
      `{"shape":${JSON.stringify(x.shape)},"data":[${jsonNumbers(x.data, `${this.path}: ${what}`)}]}`
    this.write(state ? `]},"state":{"v":${t(state.v, 'state.v')},"i":${t(state.i, 'state.i')}}` : ']}')
    if (recordStates) {
      const all = new Float32Array(this.iChunks.reduce((n, c) => n + c.length, 0))
      let at = 0
      for (const c of this.iChunks) {
        all.set(c, at)
        at += c.length
      }
      this.write(`,"states":{"i":${t({ data: all, shape: this.shape }, 'states.i')}}`)
    }
    this.write('}\n')
  }
  close(): void {
    closeSync(this.fd)
  }
}

/** --backend: 'auto', or names tried in order. */
export function parsePrefer(value: string | undefined): 'auto' | string[] {
  if (value === undefined || value === 'auto') return 'auto'
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/**
 * What createLayer passed over, on stderr: every backend of a list the user gave; with auto only
 * those that failed to start (an unavailable one is expected there, `leaky backends` says why).
 */
export function skipNote(prefer: 'auto' | string[]): (skipped: Skipped) => void {
  return ({ backend, reason }) => {
    if (prefer === 'auto' && !reason.startsWith('failed to start')) return
    process.stderr.write(`leaky: note: passed over ${backend}: ${reason}\n`)
  }
}

/** The state a run starts from: .npy [2, ...batch, N] (v then i) or JSON { v, i }. */
async function readState(path: string): Promise<LIState> {
  if (isNpyPath(path)) {
    const t = await readArray(path)
    if (t.shape[0] !== 2 || t.shape.length < 2)
      throw new FormatError(
        `${path}: a state .npy is [2, ...batch, N] (v, then i), got [${t.shape.join(', ')}]`,
      )
    const half = t.data.length / 2
    const shape = t.shape.slice(1)
    return { v: { data: t.data.slice(0, half), shape }, i: { data: t.data.slice(half), shape } }
  }
  const doc = readJsonFile(path) as { v?: unknown; i?: unknown } | null
  return { v: tensorFromJson(doc?.v, `${path}: v`), i: tensorFromJson(doc?.i, `${path}: i`) }
}

function stateNpy(state: LIState): Uint8Array {
  const data = new Float32Array(state.v.data.length * 2)
  data.set(state.v.data)
  data.set(state.i.data, state.v.data.length)
  return writeNpy({ data, shape: [2, ...state.v.shape] })
}

/** A streamed .npy output: its temporary receives the bytes, errors name the user's file. */
async function npyOutput(temp: string, path: string, shape: number[]): Promise<NpyFileWriter> {
  const named =
    <A extends unknown[]>(f: (...a: A) => Promise<void>) =>
    async (...a: A) => {
      try {
        await f(...a)
      } catch (error) {
        throw writeFailure(path, error)
      }
    }
  let w: NpyFileWriter
  try {
    w = await createNpyFile(temp, shape)
  } catch (error) {
    throw writeFailure(path, error)
  }
  return {
    path,
    shape: w.shape,
    append: named((d: Float32Array) => w.append(d)),
    close: named(() => w.close()),
  }
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      input: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      model: { type: 'string' },
      params: { type: 'string' },
      'tau-syn-inv': { type: 'string' },
      'tau-mem-inv': { type: 'string' },
      'v-leak': { type: 'string' },
      dt: { type: 'string' },
      weights: { type: 'string' },
      state: { type: 'string' },
      'record-states': { type: 'boolean' },
    },
    runHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(runHelp))
    return 0
  }
  const { usage } = runHelp
  if (!values.input) throw new UsageError('--input FILE is required', usage)
  if (!values.out) throw new UsageError('--out FILE is required', usage)
  if (!/\.(npy|json)$/i.test(values.out)) throw new UsageError('--out must end in .npy or .json', usage)
  const dt = requireNumber(values.dt, '--dt', usage)
  if (values.model) {
    const layerOnly = ['params', 'tau-syn-inv', 'tau-mem-inv', 'v-leak', 'weights', 'state', 'record-states']
    const given = layerOnly.filter((flag) => values[flag as keyof typeof values] !== undefined)
    if (given.length > 0)
      throw new UsageError(
        `--model takes its layers from the file: ${given.map((f) => `--${f}`).join(', ')} cannot be used with it`,
        usage,
      )
  }
  const prefer = parsePrefer(values.backend)
  if (prefer !== 'auto' && prefer.length === 0)
    throw new UsageError('--backend takes a name, a comma-separated list or auto', usage)
  const recordStates = values['record-states'] ?? false
  const out = values.out
  const isNpy = /\.npy$/i.test(out)
  const stem = out.replace(/\.(npy|json)$/i, '')
  const statePath = isNpy && !values.model ? `${stem}.state.npy` : undefined
  const iPath = isNpy && recordStates ? `${stem}.i.npy` : undefined

  // Before reading anything: no output may be an input (by the file itself, however spelled).
  const outputs: NamedPath[] = [{ what: '--out', path: out }]
  if (statePath) outputs.push({ what: 'the state file', path: statePath })
  if (iPath) outputs.push({ what: 'the --record-states file', path: iPath })
  const inputs: NamedPath[] = (['input', 'weights', 'params', 'state', 'model'] as const).flatMap((flag) => {
    const path = values[flag]
    return path === undefined ? [] : [{ what: `--${flag}`, path }]
  })
  checkOutputs(outputs, inputs)

  const params: Record<string, ParameterValue> = values.params ? { ...readParams(values.params) } : {}
  for (const [flag, key] of [
    ['tau-syn-inv', 'tauSynInv'],
    ['tau-mem-inv', 'tauMemInv'],
    ['v-leak', 'vLeak'],
  ] as const) {
    const v = requireNumber(values[flag], `--${flag}`, usage)
    if (v !== undefined) params[key] = v
  }
  const warn = (message: string) => process.stderr.write(`leaky: warning: ${message}\n`)
  const model = values.model ? await loadNirModel(values.model, dt) : undefined

  const reader: ArrayReader = await openArray(values.input)
  try {
    const { shape } = reader
    const weights = values.weights ? await readArray(values.weights) : undefined
    const expectedInputs = model ? model.inputs : weights?.shape[1]
    if (shape.length < 2 || (expectedInputs !== undefined && shape[shape.length - 1] !== expectedInputs))
      throw new FormatError(
        `${values.input}: input must be time-first [T, ...batch, ${expectedInputs ?? 'inputs'}], got [${shape.join(', ')}]`,
      )
    const steps = shape[0] as number
    if (steps === 0) throw new FormatError(`${values.input}: the input has T = 0 steps`)
    const batchShape = shape.slice(1, -1)
    const batch = sizeOf(batchShape)
    const inputs = shape[shape.length - 1] as number
    const neurons = model
      ? (model.layers.at(-1)?.neurons as number)
      : weights
        ? (weights.shape[0] ?? 0)
        : inputs
    let state: LIState | undefined = values.state ? await readState(values.state) : undefined

    await loadBackends()
    const onSkip = skipNote(prefer)
    // One slice of the input → its voltages (and i per step with --record-states), state carried inside.
    let runSlice: (xs: Tensor) => Promise<{ v: Float32Array; i?: Float32Array }>
    let dispose: () => Promise<void>
    let backendName: string
    let streams = true
    if (model) {
      const runner = await modelRunner(model, prefer, { steps, batch }, warn, onSkip)
      runSlice = async (xs) => ({ v: (await runner.run(xs)).data })
      dispose = () => runner.dispose()
      backendName = runner.backend
      streams = runner.streams
    } else {
      // auto counts an event-driven x·Wᵀ by the input's share of non-zeros (spikes: their rate),
      // estimated from the first slice of the input (read again when the run gets to it).
      const inputDensity =
        weights && prefer === 'auto' ? await leadingDensity(reader, steps, batch * inputs) : undefined
      const layer = await createLayer(
        {
          neurons,
          ...(weights ? { weights } : {}),
          params,
          ...(dt !== undefined ? { dt } : {}),
          onWarning: (w) => warn(w.message),
        },
        {
          prefer,
          workload: {
            neurons,
            steps,
            batch,
            inputs,
            weighted: weights !== undefined,
            mode: 'sequence',
            ...(inputDensity !== undefined ? { inputDensity } : {}),
          },
          onSkip,
        },
      )
      // One output buffer for every full slice (the last may be shorter): no allocation per call.
      let output: Float32Array | undefined
      runSlice = async (xs) => {
        const length = (xs.shape[0] as number) * batch * neurons
        if (output?.length !== length) output = new Float32Array(length)
        const result = await layer.run(xs, state, { recordStates, output })
        state = result.state
        return { v: result.voltages.data, ...(result.states ? { i: result.states.i.data } : {}) }
      }
      dispose = () => layer.dispose()
      backendName = layer.backend
    }

    const outShape = [steps, ...batchShape, neurons]
    const started = performance.now()
    // Every output goes to a temporary beside it; all are renamed into place only once all are complete.
    try {
      await writeOutputs(
        outputs.map((o) => o.path),
        async ([outTemp, ...rest]) => {
          const [stateTemp, iTemp] = statePath ? rest : [undefined, ...rest]
          const json = isNpy ? undefined : new JsonOutput(outTemp as string, out, outShape)
          const written: NpyFileWriter[] = []
          try {
            const npy = isNpy ? await npyOutput(outTemp as string, out, outShape) : undefined
            if (npy) written.push(npy)
            const npyI = iTemp && iPath ? await npyOutput(iTemp, iPath, outShape) : undefined
            if (npyI) written.push(npyI)
            const rowIn = batch * inputs
            const slice = streams
              ? Math.max(1, Math.floor(SLICE_VALUES / Math.max(rowIn, batch * neurons)))
              : steps
            for (let t0 = 0; t0 < steps; t0 += slice) {
              const t1 = Math.min(steps, t0 + slice)
              const xs = { data: await reader.read(t0, t1), shape: [t1 - t0, ...batchShape, inputs] }
              const { v, i } = await runSlice(xs)
              json?.append(v, i)
              await npy?.append(v)
              if (i) await npyI?.append(i)
            }
            json?.finish(state, recordStates)
            for (const w of written.splice(0)) await w.close()
            if (stateTemp && statePath && state) writeAll(stateTemp, statePath, stateNpy(state))
          } finally {
            json?.close()
            // A run that failed half way closes what it opened (the count check would only repeat the failure).
            await Promise.all(written.map((w) => w.close().catch(() => {})))
          }
        },
      )
    } finally {
      await dispose()
    }
    const ms = performance.now() - started
    process.stdout.write(
      `${out}: [${outShape.join(', ')}] voltages from ${backendName}${prefer === 'auto' ? ' (auto)' : ''} in ${ms.toFixed(1)} ms` +
        `${statePath ? `; final state in ${statePath}` : ''}${iPath ? `, i per step in ${iPath}` : ''}\n`,
    )
    return 0
  } finally {
    await reader.close()
  }
}
