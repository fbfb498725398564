import { mkdirSync } from 'node:fs'
import { cpus, homedir, hostname, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import {
  findWorkload,
  makeWorkload,
  measure,
  measureCReferences,
  NORSE_MACHINE,
  neuronSteps,
  norseFigures,
  type Timing,
  WORKLOADS,
  type Workload,
} from '@leaky/bench'
import {
  type Backend,
  type BackendCost,
  type BackendName,
  builtInCosts,
  fitCosts,
  getBackend,
  type Layer,
  relativeError,
  type StateHandle,
  type Tensor,
  whyUnavailable,
} from '@leaky/core'
import { parseBackendList } from '../backends.js'
import { Progress } from '../bench/progress.js'
import {
  type BenchMachine,
  type BenchReport,
  type BenchWorkloadInfo,
  type CLimitRow,
  type NorseRow,
  notes,
  type ResultRow,
  recommendation,
  sci,
  tableRows,
  toMarkdown,
  toSvg,
} from '../bench/report.js'
import { trafficLines } from '../bench/traffic.js'
import { calibrationPath, writeCalibration } from '../calibration.js'
import { writeFileSafely } from '../files/output.js'
import { checkOutputFolder } from '../files/paths.js'
import { SCHEMA_VERSION } from '../json.js'
import { formatTable } from '../table.js'
import { type CommandHelp, formatHelp, parseFlags, UsageError } from '../usage.js'

export const benchHelp: CommandHelp = {
  usage: 'leaky bench [--quick] [--workload NAME[,NAME]] [--backend NAME[,NAME]|all] [--json] [--out DIR]',
  description:
    `Runs the anchor workloads (${WORKLOADS.map((w) => w.name).join(', ')}) on every available\n` +
    'backend: each checked against the js backend first (a wrong backend is reported wrong, never fast),\n' +
    'then a warm-up and several timed repetitions (median, min – max). Three C references, compiled and\n' +
    'run in the same invocation (li_roofline.c, a time-blocked loop, a memcpy of the same bytes), are the\n' +
    "yardstick: every figure is also a ratio to the best of them. Norse's figures stand beside, measured\n" +
    'on another machine. Writes DATE-HOST.json/.md/.svg to --out DIR (default $LEAKY_DATA_DIR/bench,\n' +
    'else $XDG_DATA_HOME/leaky/bench, else ~/.local/share/leaky/bench) and the calibration `auto` uses,\n' +
    'keyed to this machine (CPU, cores, platform, Node, onnxruntime), to ~/.cache/leaky/calibration.json\n' +
    "($LEAKY_CACHE_DIR or $XDG_CACHE_HOME/leaky). --quick shortens T (and weighted-1024's batch) and\n" +
    'repeats less, to finish in well under a minute; the output says\n' +
    'what it scaled. Exit 1 if a backend gave wrong answers.',
  examples: [
    'leaky bench --quick',
    'leaky bench --workload ff-1e5,step-1e3 --backend js,node-cpu',
    'leaky bench --quick --json --out /tmp/bench > bench.json',
  ],
}

/** --quick: the same shapes with fewer steps (and a smaller batch where x·Wᵀ in JS would take seconds). */
const QUICK: Record<string, { steps?: number; batch?: number }> = {
  'ff-1e5': { steps: 100 },
  'ff-1e6': { steps: 20 },
  'weighted-256': { steps: 20 },
  'weighted-1024': { steps: 2, batch: 32 },
}

/**
 * --quick's time budget for one backend on one workload. A backend's figures on the smaller workloads
 * predict the larger ones; one predicted to take longer (a software GPU on ff-1e6) is skipped, and
 * says so, instead of making --quick take minutes.
 */
const QUICK_BUDGET_SECONDS = 4

/** Steps of the reduced copy every backend's output is checked on against js. */
const CHECK_STEPS = 16

function scale(w: Workload, quick: boolean): { w: Workload; scaled: string | null } {
  const q = quick ? QUICK[w.name] : undefined
  if (!q) return { w, scaled: null }
  const steps = q.steps ?? w.steps
  const batch = q.batch ?? w.batch
  const what = [
    steps !== w.steps ? `T=${steps} (full: ${w.steps})` : '',
    batch !== w.batch ? `batch ${batch} (full: ${w.batch})` : '',
  ].filter(Boolean)
  return { w: { ...w, steps, batch }, scaled: `runs at ${what.join(', ')}` }
}

function machine(): BenchMachine {
  const cpu = cpus()
  return {
    host: hostname(),
    cpu: cpu[0]?.model ?? 'unknown CPU',
    cores: cpu.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
    node: process.versions.node,
    date: new Date().toISOString(),
  }
}

/**
 * Where reports go without --out: `$LEAKY_DATA_DIR/bench`, else
 * `${XDG_DATA_HOME:-~/.local/share}/leaky/bench` (never the working directory).
 */
export function defaultOutDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LEAKY_DATA_DIR) return join(env.LEAKY_DATA_DIR, 'bench')
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'leaky', 'bench')
}

/** The C references for a workload (li_roofline.c, time-blocked, memcpy), measured now; ratios are to the best. */
function cLimitFor(w: Workload, quick: boolean): CLimitRow {
  if (w.weighted)
    return {
      workload: w.name,
      neuronStepsPerSecond: null,
      best: null,
      references: [],
      note: 'li_roofline.c fuses only the LI update (so do the other C references); x·Wᵀ (2·inputs flops a neuron-step) dominates here',
    }
  const step = w.mode === 'step'
  const c = step
    ? measureCReferences(1, w.neurons, { threads: 2, repetitions: quick ? 200 : 1000 })
    : measureCReferences(w.steps, w.batch * w.neurons, { threads: 2, repetitions: quick ? 3 : 5 })
  if ('reason' in c)
    return {
      workload: w.name,
      neuronStepsPerSecond: null,
      best: null,
      references: [],
      note: `not measured: ${c.reason}`,
    }
  const { name, neuronStepsPerSecond, threads } = c.best
  const all = c.references.map((r) => `${r.name} ${sci(r.best)}`).join(', ')
  return {
    workload: w.name,
    neuronStepsPerSecond,
    best: name,
    references: c.references.map((r) => ({ name: r.name, neuronStepsPerSecond: r.best, threads: r.threads })),
    note: step
      ? `best ${name}.c (${all}): one fused C step of N=${w.neurons} (T=1, best of many, ${threads} thread${threads > 1 ? 's' : ''}, OpenMP fork/join included, no JS call): N / seconds per step`
      : `best ${name}.c (${all}): T=${w.steps}, N=${w.batch * w.neurons}, best of 1–2 threads (${threads})`,
  }
}

/** The first CHECK_STEPS rows of a time-first input (a view, no copy). */
function head(input: Tensor, steps: number): Tensor {
  const row = input.data.length / (input.shape[0] as number)
  return { data: input.data.subarray(0, steps * row), shape: [steps, ...input.shape.slice(1)] }
}

/** Voltages of `layer` on the reduced check input: one run() for sequences, repeated step() for step latency. */
async function checkOutput(layer: Layer, w: Workload, check: Tensor): Promise<Float32Array> {
  if (w.mode === 'sequence') return (await layer.run(check)).voltages.data.slice()
  const steps = check.shape[0] as number
  const row = check.data.length / steps
  const out = new Float32Array(check.data.length)
  let state: StateHandle | undefined
  for (let t = 0; t < steps; t++) {
    const x = { data: check.data.subarray(t * row, (t + 1) * row), shape: check.shape.slice(1) }
    const r = await layer.step(x, state)
    out.set(r.v.data, t * row)
    if (state && state !== r.state) state.dispose()
    state = r.state
  }
  return out
}

/**
 * Seconds a workload would take on a backend (check, warm-up and 3 runs), from the best rate it has
 * shown on workloads of the same kind (feed-forward or weighted); 0 when it has shown none yet.
 */
function predictSeconds(
  results: readonly ResultRow[],
  workloads: readonly Workload[],
  backend: string,
  w: Workload,
): number {
  if (w.mode === 'step') return 0
  const rates = results
    .filter((r) => {
      const other = workloads.find((k) => k.name === r.workload)
      return (
        r.backend === backend &&
        r.correct &&
        r.neuronStepsPerSecond !== null &&
        other?.mode === 'sequence' &&
        other.weighted === w.weighted
      )
    })
    .map((r) => r.neuronStepsPerSecond as number)
  if (rates.length === 0) return 0
  return ((4 * w.steps + CHECK_STEPS) * w.batch * w.neurons) / Math.max(...rates)
}

/** Warm-up, then repetitions: a fixed few for --quick; else about 3 s of samples (3–9), one if a run takes > 10 s. */
async function timeRuns(operation: () => Promise<unknown>, quick: boolean): Promise<Timing> {
  const started = performance.now()
  await operation()
  const first = (performance.now() - started) / 1000
  if (!quick && first > 10) {
    return { median: first, min: first, max: first, repetitions: 1 }
  }
  const repetitions = quick ? 3 : Math.min(9, Math.max(3, Math.ceil(3 / Math.max(first, 1e-9))))
  return measure(operation, { warmup: 0, repetitions })
}

interface Probe {
  readonly runCall: number
  readonly stepCall: number
}

/** The fixed cost of one call: run() of one step and step() on 8 neurons. */
async function probeCalls(backend: Backend): Promise<Probe> {
  const layer = await backend.createLayer({ neurons: 8 })
  try {
    const x = { data: new Float32Array(8), shape: [1, 8] }
    const runTiming = await measure(() => layer.run(x), { warmup: 20, repetitions: 5, batch: 40 })
    let state: StateHandle | undefined
    const x1 = { data: x.data, shape: [8] }
    const stepTiming = await measure(
      async () => {
        const r = await layer.step(x1, state)
        if (state && state !== r.state) state.dispose()
        state = r.state
      },
      { warmup: 20, repetitions: 5, batch: 40 },
    )
    return { runCall: runTiming.median, stepCall: stepTiming.median }
  } finally {
    await layer.dispose()
  }
}

/** This run's measurements as core's cost-model fit takes them (a step row's time is one step() call). */
function calibrate(name: BackendName, probe: Probe, rows: ResultRow[], workloads: Workload[]): BackendCost {
  const measured = rows.flatMap((r) => {
    const w = workloads.find((k) => k.name === r.workload)
    if (r.backend !== name || !r.correct || r.secondsMedian === null || !w) return []
    const { neurons, batch, inputs, weighted, mode } = w
    const density = w.spikeProbability !== undefined ? { inputDensity: w.spikeProbability } : {}
    return [
      {
        workload: {
          neurons,
          batch,
          inputs,
          weighted,
          mode,
          steps: mode === 'step' ? 1 : w.steps,
          ...density,
        },
        seconds: r.secondsMedian,
      },
    ]
  })
  return fitCosts(measured, { run: probe.runCall, step: probe.stepCall }, builtInCosts(name))
}

export async function bench(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      quick: { type: 'boolean' },
      workload: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
    },
    benchHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(benchHelp))
    return 0
  }
  const quick = values.quick ?? false
  const selected = (values.workload?.split(',') ?? WORKLOADS.map((w) => w.name)).map((n) => {
    const w = findWorkload(n.trim())
    if (!w)
      throw new UsageError(
        `unknown workload "${n}" (known: ${WORKLOADS.map((k) => k.name).join(', ')})`,
        benchHelp.usage,
      )
    return scale(w, quick)
  })
  // Smallest first, so each backend's speed on small workloads can predict the large ones.
  selected.sort((a, b) => neuronSteps(a.w) - neuronSteps(b.w))
  const names = await parseBackendList(values.backend, benchHelp.usage)
  const outDir = values.out ?? defaultOutDir()
  // Minutes of benchmarking must not end in "cannot write": the folder is checked before any work.
  checkOutputFolder(outDir)
  checkOutputFolder(dirname(calibrationPath()))

  const available: BackendName[] = []
  const unavailable: { backend: string; reason: string }[] = []
  for (const name of names) {
    const reason = await whyUnavailable(name)
    if (reason === undefined) available.push(name)
    else unavailable.push({ backend: name, reason })
  }
  const progress = new Progress(selected.length * (available.length + 1) + available.length)
  const results: ResultRow[] = []
  const cLimit: CLimitRow[] = []
  const js = await getBackend('js')

  for (const { w } of selected) {
    progress.start(`${w.name}: C limit`)
    const limit = cLimitFor(w, quick)
    cLimit.push(limit)
    progress.finish()
    const { spec, input } = makeWorkload(
      w.mode === 'step' ? { ...w, mode: 'sequence', steps: CHECK_STEPS } : w,
    )
    const check = head(input, Math.min(CHECK_STEPS, w.mode === 'step' ? CHECK_STEPS : w.steps))
    const stepInput =
      w.mode === 'step'
        ? { data: check.data.subarray(0, w.batch * w.inputs), shape: check.shape.slice(1) }
        : undefined
    const jsLayer = await js.createLayer(spec)
    const reference = await checkOutput(jsLayer, { ...w, mode: 'sequence' }, check)
    await jsLayer.dispose()
    // One output buffer for every backend and repetition (ff-1e6 at T=200 is 800 MB of voltages).
    const output = w.mode === 'sequence' ? new Float32Array(neuronSteps(w)) : undefined

    for (const name of available) {
      progress.start(`${w.name} on ${name}`)
      const predicted = quick
        ? predictSeconds(
            results,
            selected.map((k) => k.w),
            name,
            w,
          )
        : 0
      if (predicted > QUICK_BUDGET_SECONDS) {
        results.push({
          workload: w.name,
          backend: name,
          correct: false,
          skipped: true,
          error: Number.NaN,
          neuronStepsPerSecond: null,
          ratioToCLimit: null,
          secondsMedian: null,
          secondsMin: null,
          secondsMax: null,
          repetitions: 0,
          note: `skipped: ~${predicted.toFixed(0)} s on ${name} from its speed on smaller workloads, over --quick's ${QUICK_BUDGET_SECONDS} s budget (run without --quick)`,
        })
        progress.finish()
        continue
      }
      const row = await benchOne(
        await getBackend(name),
        w,
        spec,
        input,
        check,
        reference,
        output,
        stepInput,
        quick,
      )
      const c = limit.neuronStepsPerSecond
      results.push({
        ...row,
        workload: w.name,
        backend: name,
        ratioToCLimit: c && row.neuronStepsPerSecond !== null ? row.neuronStepsPerSecond / c : null,
      })
      progress.finish()
    }
  }

  const costs: Record<string, BackendCost> = {}
  for (const name of available) {
    progress.start(`${name}: per-call cost`)
    try {
      costs[name] = calibrate(
        name,
        await probeCalls(await getBackend(name)),
        results,
        selected.map((s) => s.w),
      )
    } catch (error) {
      process.stderr.write(`leaky: ${name}: no calibration (${(error as Error).message.split('\n')[0]})\n`)
    }
    progress.finish()
  }
  progress.end()

  const m = machine()
  const workloads: BenchWorkloadInfo[] = selected.map(({ w, scaled }) => ({
    name: w.name,
    description: w.description,
    mode: w.mode,
    steps: w.steps,
    batch: w.batch,
    inputs: w.inputs,
    neurons: w.neurons,
    scaled,
  }))
  // Norse ran the full-size workloads: look its figures up by the full shape even under --quick.
  const figures: NorseRow[] = selected.flatMap(({ w }) =>
    norseFigures(findWorkload(w.name) ?? w).flatMap((f) => {
      const rate = f.neuronStepsPerSecond ?? (f.secondsPerStep ? w.neurons / f.secondsPerStep : undefined)
      return rate === undefined
        ? []
        : [{ workload: w.name, device: f.device, threads: f.threads, neuronStepsPerSecond: rate }]
    }),
  )
  const report: BenchReport = {
    schemaVersion: SCHEMA_VERSION,
    machine: m,
    quick,
    workloads,
    cLimit,
    results,
    unavailable,
    norse: {
      note: "Norse's figures, measured on another machine (full-size workloads), for reference only",
      machine: NORSE_MACHINE,
      figures,
    },
  }

  mkdirSync(outDir, { recursive: true })
  const base = join(outDir, `${m.date.slice(0, 10)}-${m.host.replace(/[^A-Za-z0-9._-]/g, '_')}`)
  await writeFileSafely(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`)
  await writeFileSafely(`${base}.md`, toMarkdown(report))
  await writeFileSafely(`${base}.svg`, toSvg(report))
  const calibrationFile = calibrationPath()
  if (Object.keys(costs).length > 0)
    writeCalibration({ version: 1, host: m.host, createdAt: m.date, backends: costs }, calibrationFile)

  const traffic = trafficLines(
    selected.map((s) => s.w),
    results,
  )
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    if (traffic.length > 0)
      process.stderr.write(`memory traffic on the GPU backends:\n${traffic.join('\n')}\n`)
  } else {
    const { header, rows } = tableRows(report)
    const advice = recommendation(report)
    process.stdout.write(
      `${m.cpu}, ${m.cores} cores, Node ${m.node}${quick ? ' — --quick' : ''}\n\n${formatTable(header, rows)}\n\n` +
        `${notes(report).join('\n')}\n\n` +
        (traffic.length > 0 ? `memory traffic on the GPU backends:\n${traffic.join('\n')}\n\n` : '') +
        `wrote ${base}.json, .md, .svg; calibration for auto: ${calibrationFile}\n\n` +
        `fastest here: ${advice.perWorkload.map((a) => `${a.workload} → ${a.backend}`).join(', ')}\n` +
        `recommended backend for this machine: ${advice.overall ?? 'none (nothing ran correctly)'}` +
        ` — or \`auto\`, which now picks per workload from this run's calibration\n`,
    )
  }
  process.stderr.write(`leaky bench: wrote ${base}.{json,md,svg} and ${calibrationFile}\n`)
  return results.every((r) => r.correct || r.skipped) ? 0 : 1
}

type Measured = Omit<ResultRow, 'workload' | 'backend' | 'ratioToCLimit'>

async function benchOne(
  backend: Backend,
  w: Workload,
  spec: Parameters<Backend['createLayer']>[0],
  input: Tensor,
  check: Tensor,
  reference: Float32Array,
  output: Float32Array | undefined,
  stepInput: Tensor | undefined,
  quick: boolean,
): Promise<Measured> {
  const none = {
    neuronStepsPerSecond: null,
    secondsMedian: null,
    secondsMin: null,
    secondsMax: null,
    repetitions: 0,
  }
  let layer: Layer | undefined
  try {
    layer = await backend.createLayer(spec)
    const error = relativeError(await checkOutput(layer, w, check), reference)
    const tolerance = w.mode === 'step' ? layer.tolerance.step : layer.tolerance.run
    if (!(error <= tolerance))
      return { ...none, correct: false, error, note: `wrong: error ${sci(error, 1)} > ${sci(tolerance, 0)}` }
    let timing: Timing
    let rate: number
    if (w.mode === 'step') {
      const x = stepInput as Tensor
      const l = layer
      let state: StateHandle | undefined
      const batch = quick ? 200 : 2000
      timing = await measure(
        async () => {
          const r = await l.step(x, state)
          if (state && state !== r.state) state.dispose()
          state = r.state
        },
        { warmup: batch, repetitions: quick ? 5 : 9, batch },
      )
      rate = (w.batch * w.neurons) / timing.median
    } else {
      const l = layer
      timing = await timeRuns(() => l.run(input, undefined, { output }), quick)
      rate = neuronSteps(w) / timing.median
    }
    return {
      correct: true,
      error,
      neuronStepsPerSecond: rate,
      secondsMedian: timing.median,
      secondsMin: timing.min,
      secondsMax: timing.max,
      repetitions: timing.repetitions,
    }
  } catch (error) {
    const message = (error as Error).message?.split('\n')[0] ?? String(error)
    return { ...none, correct: false, error: Number.POSITIVE_INFINITY, note: `failed: ${message}` }
  } finally {
    await layer?.dispose()
  }
}
