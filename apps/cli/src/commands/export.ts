import { FormatError, type LayerSpec, type LIParameters, type Tensor, tensor } from '@leaky/core'
import { exportModel, type LayerModelOptions } from '@leaky/onnx'
import { writeTritonRepository } from '@leaky/serve'
import { writeAll, writeOutputs } from '../files/output.js'
import { checkOutputs, readJsonText } from '../files/paths.js'
import {
  type CommandHelp,
  formatHelp,
  parseFlags,
  requireInteger,
  requireNumber,
  UsageError,
} from '../usage.js'

export const exportHelp: CommandHelp = {
  usage:
    'leaky export --neuron feed-forward|weighted --graph step|sequence|parallel [--neurons N] [--inputs M]\n' +
    '       [--params FILE.json] [--weights FILE.json] [--dt DT] [--steps T] [--batch-rank R]\n' +
    '       [--parallel auto|doubling|chunked] [--parameters baked|inputs] --out FILE.onnx\n' +
    '       leaky export --neuron feed-forward|weighted --triton DIR [--name NAME] [--neurons N] [--weights FILE.json] ...',
  description:
    'Writes an ONNX model (opset 17) of an LI layer and its contract, FILE.json, beside it. --out must end\n' +
    'in .onnx; an output that is one of the input files is refused; both files are written whole or not at all.\n' +
    'The contract names every input and output with its shape, the parameters, dt, and the initial\n' +
    'state convention (v0 = vLeak, i0 = 0), so the model runs with any onnxruntime.\n' +
    '  --graph step       one step (x, v, i) → (v_new, i_new); exact\n' +
    '  --graph sequence   a whole sequence with a Scan node (xs, v0, i0) → (voltages, v_final, i_final); exact\n' +
    '  --graph parallel   the same I/O with no Loop/Scan (runs on WebGPU); within 1e-4 of Norse\n' +
    '  --params FILE.json {"tauSynInv": 200, "tauMemInv": 100, "vLeak": 0}, each a number or one per neuron;\n' +
    "                     missing fields take Norse's defaults\n" +
    '  --weights FILE.json {"shape": [N, M], "data": [...]} (row-major, applied as x·Wᵀ). Without it a weighted\n' +
    '                     model takes the weights as a graph input named "weights" [N, M] (give --inputs M)\n' +
    '  --parameters inputs  tau_syn_inv, tau_mem_inv, v_leak become graph inputs [N] instead of baked constants\n' +
    '  --steps T          fix the time length (smaller parallel graphs); default: symbolic T\n' +
    '  --batch-rank R     R symbolic batch dims between time and neurons (batch0, …); default 0\n' +
    '  --triton DIR       a Triton model repository instead: DIR/NAME/config.pbtxt (sequence batching, (v, i)\n' +
    '                     as implicit state) and DIR/NAME/1/model.onnx (the step graph); NAME: --name, default li',
  examples: [
    'leaky export --neuron feed-forward --graph sequence --neurons 100 --out li.onnx',
    'leaky export --neuron weighted --graph parallel --weights w.json --steps 1000 --out li.onnx',
    'leaky export --neuron weighted --graph step --neurons 10 --inputs 20 --out li_step.onnx',
    'leaky export --neuron feed-forward --neurons 1000 --triton models --name li',
  ],
}

const NEURONS = ['feed-forward', 'weighted'] as const
const GRAPHS = ['step', 'sequence', 'parallel'] as const
const PARALLEL = ['auto', 'doubling', 'chunked'] as const
const PARAMETERS = ['baked', 'inputs'] as const

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`, exportHelp.usage)
  }
  return value as T
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = readJsonText(path, `${what} ${path}`)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new FormatError(`${what} ${path} is not JSON: ${(error as Error).message}`)
  }
}

/** {tauSynInv, tauMemInv, vLeak}, each a number or an array (one per neuron); unknown keys are an error. */
export async function readParams(path: string): Promise<Partial<LIParameters>> {
  const doc = await readJson(path, 'params file')
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new FormatError(`params file ${path}: expected an object {tauSynInv, tauMemInv, vLeak}`)
  }
  const params: Record<string, number | Float32Array> = {}
  for (const [key, value] of Object.entries(doc)) {
    if (key !== 'tauSynInv' && key !== 'tauMemInv' && key !== 'vLeak') {
      throw new FormatError(
        `params file ${path}: unknown field "${key}" (known: tauSynInv, tauMemInv, vLeak)`,
      )
    }
    if (typeof value === 'number') params[key] = value
    else if (Array.isArray(value) && value.every((x) => typeof x === 'number'))
      params[key] = Float32Array.from(value)
    else throw new FormatError(`params file ${path}: ${key} must be a number or an array of numbers`)
  }
  return params
}

export async function readWeights(path: string): Promise<Tensor> {
  const doc = (await readJson(path, 'weights file')) as { shape?: unknown; data?: unknown } | null
  const shape = doc?.shape
  const data = doc?.data
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new FormatError(`weights file ${path}: "shape" must be [N, M] with N, M > 0`)
  }
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'number')) {
    throw new FormatError(`weights file ${path}: "data" must be an array of numbers`)
  }
  return tensor(data, shape)
}

function perNeuronLength(params: Partial<LIParameters>): number | undefined {
  for (const p of Object.values(params)) if (p instanceof Float32Array) return p.length
  return undefined
}

export async function exportCommand(args: string[]): Promise<number> {
  const usage = exportHelp.usage
  const { values } = parseFlags(
    args,
    {
      neuron: { type: 'string' },
      graph: { type: 'string' },
      neurons: { type: 'string' },
      inputs: { type: 'string' },
      params: { type: 'string' },
      weights: { type: 'string' },
      dt: { type: 'string' },
      steps: { type: 'string' },
      'batch-rank': { type: 'string' },
      parallel: { type: 'string' },
      parameters: { type: 'string' },
      out: { type: 'string' },
      triton: { type: 'string' },
      name: { type: 'string' },
    },
    exportHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(exportHelp))
    return 0
  }
  const neuron = oneOf(values.neuron, NEURONS, '--neuron')
  const graph = oneOf(values.graph, GRAPHS, '--graph') ?? (values.triton !== undefined ? 'step' : undefined)
  if (!neuron) throw new UsageError('--neuron feed-forward|weighted is required', usage)
  if (!graph) throw new UsageError('--graph step|sequence|parallel is required', usage)
  if (!values.out && values.triton === undefined) throw new UsageError('--out FILE.onnx is required', usage)
  const out = values.out
  if (out !== undefined && !/\.onnx$/i.test(out))
    throw new UsageError(
      `--out must end in .onnx (the contract goes beside it as .json), got "${out}"`,
      usage,
    )
  const contractPath = out === undefined ? undefined : `${out.slice(0, -'.onnx'.length)}.json`
  // Before any work: neither output may be an input (--params m.json --out m.onnx would overwrite m.json).
  if (out !== undefined && contractPath !== undefined) {
    checkOutputs(
      [
        { what: '--out', path: out },
        { what: 'the contract', path: contractPath },
      ],
      (['params', 'weights'] as const).flatMap((flag) => {
        const path = values[flag]
        return path === undefined ? [] : [{ what: `--${flag}`, path }]
      }),
    )
  }
  const parallel = oneOf(values.parallel, PARALLEL, '--parallel')
  const parameters = oneOf(values.parameters, PARAMETERS, '--parameters')
  if (parallel && graph !== 'parallel') throw new UsageError('--parallel applies to --graph parallel', usage)
  const dt = requireNumber(values.dt, '--dt', usage)
  const steps = requireInteger(values.steps, '--steps', usage)
  if (steps !== undefined && graph === 'step')
    throw new UsageError('--steps applies to sequence and parallel graphs', usage)
  let batchRank: number | undefined
  if (values['batch-rank'] !== undefined) {
    batchRank = Number(values['batch-rank'])
    if (!Number.isInteger(batchRank) || batchRank < 0 || values['batch-rank'].trim() === '') {
      throw new UsageError(`--batch-rank takes a whole number >= 0, got "${values['batch-rank']}"`, usage)
    }
  }
  let neurons = requireInteger(values.neurons, '--neurons', usage)
  let inputs = requireInteger(values.inputs, '--inputs', usage)
  if (neuron === 'feed-forward' && (values.weights !== undefined || inputs !== undefined)) {
    throw new UsageError('--weights and --inputs apply to --neuron weighted', usage)
  }
  const params = values.params ? await readParams(values.params) : {}

  let weights: Tensor | undefined
  let weightsMode: LayerModelOptions['weights'] = 'baked'
  if (neuron === 'weighted') {
    if (values.weights) {
      weights = await readWeights(values.weights)
      const [n, m] = weights.shape as [number, number]
      if (neurons !== undefined && neurons !== n) {
        throw new UsageError(`--neurons ${neurons} but the weights are [${n}, ${m}]`, usage)
      }
      if (inputs !== undefined && inputs !== m) {
        throw new UsageError(`--inputs ${inputs} but the weights are [${n}, ${m}]`, usage)
      }
      neurons = n
      inputs = m
    } else {
      // No weights to bake: the model takes them as the graph input "weights" [N, M]. The zeros only
      // give the spec its shape; they are not written into the model.
      neurons ??= perNeuronLength(params)
      if (neurons === undefined || inputs === undefined) {
        throw new UsageError('a weighted export without --weights needs --neurons N and --inputs M', usage)
      }
      weights = { data: new Float32Array(neurons * inputs), shape: [neurons, inputs] }
      weightsMode = 'input'
    }
  }
  neurons ??= perNeuronLength(params)
  if (neurons === undefined) throw new UsageError('--neurons N is required (or per-neuron --params)', usage)

  const spec: LayerSpec = {
    neurons,
    params,
    ...(dt !== undefined ? { dt } : {}),
    ...(weights ? { weights } : {}),
    onWarning: (w) => process.stderr.write(`leaky: warning: ${w.message}\n`),
  }
  if (values.triton !== undefined || values.name !== undefined) {
    // Triton feeds only x: its model is the step graph with one batch dim and everything else baked.
    if (values.triton === undefined) throw new UsageError('--name applies to --triton DIR', usage)
    if (graph !== 'step' || values.out || batchRank !== undefined || parameters || weightsMode === 'input') {
      throw new UsageError(
        '--triton writes the step model with its weights and parameters baked: no --out, --graph other than step, --batch-rank, --parameters or weights as an input',
        usage,
      )
    }
    const paths = writeTritonRepository(values.triton, spec, { name: values.name ?? 'li' })
    process.stdout.write(
      `wrote a Triton model repository in ${values.triton}:\n${paths.map((p) => `  ${p}\n`).join('')}`,
    )
    return 0
  }
  if (out === undefined || contractPath === undefined)
    throw new UsageError('--out FILE.onnx is required', usage)
  const options: LayerModelOptions = {
    graph,
    weights: weightsMode,
    ...(batchRank !== undefined ? { batchRank } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(parallel ? { parallel } : {}),
    ...(parameters ? { parameters } : {}),
  }
  const { onnx, contract } = exportModel(spec, options)
  await writeOutputs([out, contractPath], async ([onnxTemp, contractTemp]) => {
    writeAll(onnxTemp as string, out, onnx)
    writeAll(contractTemp as string, contractPath, `${JSON.stringify(contract, null, 2)}\n`)
  })
  const io = (ts: typeof contract.inputs) => ts.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')
  process.stdout.write(
    `wrote ${out} (${onnx.length} bytes, ${contract.graph}${contract.parallel ? ` ${contract.parallel}` : ''} graph, opset ${contract.opset}) and ${contractPath}\n` +
      `  inputs:  ${io(contract.inputs)}\n  outputs: ${io(contract.outputs)}\n`,
  )
  return 0
}
