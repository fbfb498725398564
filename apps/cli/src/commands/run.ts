import { closeSync, openSync, writeSync } from 'node:fs'
import {
  type Backend,
  FormatError,
  getBackend,
  type LIParameters,
  type LIState,
  type ParameterValue,
  selectBackend,
  sizeOf,
  type Tensor,
} from '@leaky/core'
import { loadBackends } from '../backends.js'
import { type ArrayReader, NpyWriter, openArray, readArray, readJsonFile, tensorFromJson } from '../io.js'
import { type CommandHelp, formatHelp, parseFlags, requireNumber, UsageError } from '../usage.js'

export const runHelp: CommandHelp = {
  usage:
    'leaky run --input FILE.npy|FILE.json --out FILE.npy|FILE.json [--backend NAME|auto] ' +
    '[--params FILE.json | --tau-syn-inv X --tau-mem-inv X --v-leak X] [--dt DT] [--weights FILE.npy|FILE.json] ' +
    '[--state FILE.json] [--record-states]',
  description:
    'Simulates an LI layer on a time-first input [T, ...batch, inputs] (float32/float64 .npy, or JSON\n' +
    '{ "shape": [...], "data": [...] } flat in C order). Without --weights the layer is feed-forward\n' +
    "(Norse li_feed_forward_step) with one neuron per input column; with weights [N, inputs] it is Norse's\n" +
    'li_step (x·Wᵀ). Starts from v = vLeak, i = 0 unless --state gives { "v": {shape,data}, "i": {...} }.\n' +
    '--params takes { "tauSynInv", "tauMemInv", "vLeak" } (or Norse\'s tau_syn_inv, …), each a number, a\n' +
    "per-neuron list or { shape, data }; the --tau-* / --v-leak flags override it. Defaults are Norse's.\n" +
    'Output .json: { voltages: {shape,data}, state: {v,i}, states?: {i} } (with --record-states; states.v\n' +
    'is voltages). Output .npy: the voltages; the final state goes to OUT.state.json and, with\n' +
    '--record-states, i after every step to OUT.i.npy.\n' +
    'Large inputs are streamed: .npy is read and the output written a time slice at a time (≈16 MB of\n' +
    'input per run() call, the state carried between slices), so neither whole array sits in memory.',
  examples: [
    'leaky run --input spikes.npy --out v.npy',
    'leaky run --input x.json --out v.json --backend js --tau-mem-inv 50 --dt 0.0005',
    'leaky run --input spikes.npy --weights w.npy --params p.json --out v.json --record-states',
  ],
}

/** Input values per run() call: bounds memory for big files and keeps calls large enough to be fast. */
const SLICE_VALUES = 4 * 1024 * 1024

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
  constructor(
    path: string,
    private readonly shape: number[],
  ) {
    this.fd = openSync(path, 'w')
    writeSync(this.fd, `{"voltages":{"shape":${JSON.stringify(shape)},"data":[`)
  }
  append(v: Float32Array, i?: Float32Array): void {
    for (let k = 0; k < v.length; k += 65_536) {
      const piece = Array.from(v.subarray(k, k + 65_536)).join(',')
      writeSync(this.fd, this.first ? piece : `,${piece}`)
      this.first = false
    }
    if (i) this.iChunks.push(i.slice())
  }
  close(state: LIState, recordStates: boolean): void {
    const t = (x: Tensor) => `{"shape":${JSON.stringify(x.shape)},"data":[${Array.from(x.data).join(',')}]}`
    writeSync(this.fd, `]},"state":{"v":${t(state.v)},"i":${t(state.i)}}`)
    if (recordStates) {
      const all = new Float32Array(this.iChunks.reduce((n, c) => n + c.length, 0))
      let at = 0
      for (const c of this.iChunks) {
        all.set(c, at)
        at += c.length
      }
      writeSync(this.fd, `,"states":{"i":${t({ data: all, shape: this.shape })}}`)
    }
    writeSync(this.fd, '}\n')
    closeSync(this.fd)
  }
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      input: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
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
  const params: Record<string, ParameterValue> = values.params ? { ...readParams(values.params) } : {}
  for (const [flag, key] of [
    ['tau-syn-inv', 'tauSynInv'],
    ['tau-mem-inv', 'tauMemInv'],
    ['v-leak', 'vLeak'],
  ] as const) {
    const v = requireNumber(values[flag], `--${flag}`, usage)
    if (v !== undefined) params[key] = v
  }
  const recordStates = values['record-states'] ?? false

  const reader: ArrayReader = openArray(values.input)
  try {
    const { shape } = reader
    if (shape.length < 2)
      throw new FormatError(`${values.input}: input must be time-first [T, ...batch, inputs], got [${shape}]`)
    const weights = values.weights ? readArray(values.weights) : undefined
    const steps = shape[0] as number
    const batchShape = shape.slice(1, -1)
    const batch = sizeOf(batchShape)
    const inputs = shape[shape.length - 1] as number
    const neurons = weights ? (weights.shape[0] ?? 0) : inputs
    let state: LIState | undefined
    if (values.state) {
      const doc = readJsonFile(values.state) as { v?: unknown; i?: unknown } | null
      state = {
        v: tensorFromJson(doc?.v, `${values.state}: v`),
        i: tensorFromJson(doc?.i, `${values.state}: i`),
      }
    }

    await loadBackends()
    const name = values.backend ?? 'auto'
    const backend: Backend =
      name === 'auto'
        ? await selectBackend({
            prefer: 'auto',
            workload: { neurons, steps, batch, inputs, weighted: weights !== undefined, mode: 'sequence' },
          })
        : await getBackend(name)
    const layer = await backend.createLayer({
      neurons,
      ...(weights ? { weights } : {}),
      params,
      ...(dt !== undefined ? { dt } : {}),
      onWarning: (w) => process.stderr.write(`leaky: warning: ${w.message}\n`),
    })

    const outShape = [steps, ...batchShape, neurons]
    const stem = values.out.replace(/\.(npy|json)$/i, '')
    const isNpy = /\.npy$/i.test(values.out)
    const json = isNpy ? undefined : new JsonOutput(values.out, outShape)
    const npy = isNpy ? new NpyWriter(values.out, outShape) : undefined
    const npyI = isNpy && recordStates ? new NpyWriter(`${stem}.i.npy`, outShape) : undefined
    const started = performance.now()
    try {
      const rowIn = batch * inputs
      const slice = Math.max(1, Math.floor(SLICE_VALUES / Math.max(rowIn, batch * neurons)))
      let output: Float32Array | undefined
      for (let t0 = 0; t0 < steps; t0 += slice) {
        const t1 = Math.min(steps, t0 + slice)
        const xs = { data: reader.read(t0, t1), shape: [t1 - t0, ...batchShape, inputs] }
        const length = (t1 - t0) * batch * neurons
        // One output buffer for every full slice (the last may be shorter): no allocation per call.
        if (output?.length !== length) output = new Float32Array(length)
        const result = await layer.run(xs, state, { recordStates, output })
        state = result.state
        json?.append(result.voltages.data, result.states?.i.data)
        npy?.append(result.voltages.data)
        if (result.states) npyI?.append(result.states.i.data)
      }
      if (steps === 0) throw new FormatError(`${values.input}: the input has T = 0 steps`)
    } finally {
      await layer.dispose()
    }
    const final = state as LIState
    if (json) json.close(final, recordStates)
    else {
      npy?.close()
      npyI?.close()
      const t = (x: Tensor) => ({ shape: x.shape, data: Array.from(x.data) })
      writeJsonFile(`${stem}.state.json`, { v: t(final.v), i: t(final.i) })
    }
    const ms = performance.now() - started
    process.stdout.write(
      `${values.out}: [${outShape.join(', ')}] voltages from ${backend.name}${name === 'auto' ? ' (auto)' : ''} in ${ms.toFixed(1)} ms` +
        `${isNpy ? `; final state in ${stem}.state.json${recordStates ? `, i per step in ${stem}.i.npy` : ''}` : ''}\n`,
    )
    return 0
  } finally {
    reader.close()
  }
}

function writeJsonFile(path: string, value: unknown): void {
  const fd = openSync(path, 'w')
  writeSync(fd, `${JSON.stringify(value)}\n`)
  closeSync(fd)
}
