import {
  activeCalibration,
  type BackendName,
  explainSelection,
  rankBackends,
  type Workload,
  whyUnavailable,
} from '@leaky/core'
import { loadBackends } from '../backends.js'
import { calibrationPath, readCalibration } from '../calibration.js'
import { jsonDocument } from '../json.js'
import { formatTable } from '../table.js'
import {
  type CommandHelp,
  formatHelp,
  parseFlags,
  requireInteger,
  requireNumber,
  UsageError,
} from '../usage.js'

export const backendsHelp: CommandHelp = {
  usage:
    'leaky backends [--json] [--explain --neurons N --steps T [--batch B] [--inputs M] [--weighted [--input-density P]] [--mode step|sequence]]',
  description:
    'Lists every registered backend, whether it can run here and, if not, why.\n' +
    "--explain ranks them for a workload with auto's cost model (seconds per backend, and whether the\n" +
    'figures come from `leaky bench` or the built-in table) and says which backend auto picks and why.\n' +
    '--input-density P (0…1) declares the fraction of non-zero inputs (spikes: their rate), which an\n' +
    'event-driven x·Wᵀ takes advantage of.',
  examples: [
    'leaky backends',
    'leaky backends --json',
    'leaky backends --explain --neurons 1000000 --steps 200',
    'leaky backends --explain --neurons 1000 --steps 1000 --mode step',
    'leaky backends --explain --neurons 1024 --steps 200 --batch 256 --inputs 1024 --weighted',
    'leaky backends --explain --neurons 256 --steps 500 --batch 64 --inputs 256 --weighted --input-density 0.1',
  ],
}

export async function backends(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      json: { type: 'boolean' },
      explain: { type: 'boolean' },
      neurons: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      inputs: { type: 'string' },
      weighted: { type: 'boolean' },
      'input-density': { type: 'string' },
      mode: { type: 'string' },
    },
    backendsHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(backendsHelp))
    return 0
  }
  const { usage } = backendsHelp
  const workloadFlags = ['neurons', 'steps', 'batch', 'inputs', 'weighted', 'input-density', 'mode'] as const
  if (!values.explain && workloadFlags.some((f) => values[f] !== undefined))
    throw new UsageError('--neurons, --steps, … describe a workload for --explain; add --explain', usage)
  let workload: Workload | undefined
  if (values.explain) {
    const neurons = requireInteger(values.neurons, '--neurons', usage)
    const steps = requireInteger(values.steps, '--steps', usage)
    if (neurons === undefined || steps === undefined)
      throw new UsageError('--explain needs --neurons N and --steps T', usage)
    if (values.mode !== undefined && values.mode !== 'step' && values.mode !== 'sequence')
      throw new UsageError(`--mode is step or sequence, got "${values.mode}"`, usage)
    const inputs = requireInteger(values.inputs, '--inputs', usage)
    if (inputs !== undefined && !values.weighted)
      throw new UsageError('--inputs M is the input width of a weighted layer; add --weighted', usage)
    const density = requireNumber(values['input-density'], '--input-density', usage)
    if (density !== undefined && !values.weighted)
      throw new UsageError(
        '--input-density is the share of non-zero inputs of a weighted layer; add --weighted',
        usage,
      )
    if (density !== undefined && !(density >= 0 && density <= 1))
      throw new UsageError(
        `--input-density takes a number in [0, 1], got "${values['input-density']}"`,
        usage,
      )
    workload = {
      neurons,
      steps,
      batch: requireInteger(values.batch, '--batch', usage) ?? 1,
      weighted: values.weighted ?? false,
      mode: (values.mode as 'step' | 'sequence' | undefined) ?? 'sequence',
      ...(values.weighted ? { inputs: inputs ?? neurons } : {}),
      ...(density !== undefined ? { inputDensity: density } : {}),
    }
  }

  const names = await loadBackends()
  const rows: { name: BackendName; available: boolean; reason: string | null }[] = []
  for (const name of names) {
    const reason = await whyUnavailable(name)
    rows.push({ name, available: reason === undefined, reason: reason ?? null })
  }
  const calibration = activeCalibration()
  const ranking = workload ? rankBackends(names, workload, calibration) : undefined
  const unavailable = new Map(rows.filter((r) => !r.available).map((r) => [r.name, r.reason ?? '']))

  // A calibration from another machine (or Node / onnxruntime) is not used: say why.
  const ignored = workload ? readCalibration().ignored : undefined
  if (values.json) {
    const body =
      workload && ranking
        ? {
            backends: rows,
            workload,
            calibration: {
              path: calibrationPath(),
              used: calibration !== undefined,
              ignored: ignored ?? null,
            },
            ranking: ranking.map((e) => ({
              backend: e.backend,
              seconds: e.seconds,
              source: e.source,
              available: !unavailable.has(e.backend),
            })),
            auto: ranking.find((e) => !unavailable.has(e.backend))?.backend ?? null,
          }
        : { backends: rows }
    process.stdout.write(jsonDocument(body))
    return 0
  }
  process.stdout.write(
    `${formatTable(
      ['backend', 'available', 'reason'],
      rows.map((r) => [r.name, r.available ? 'yes' : 'no', r.reason ?? '']),
    )}\n`,
  )
  if (workload && ranking) {
    const source = calibration
      ? `figures from ${calibrationPath()} (leaky bench on ${calibration.host}, ${calibration.createdAt}) where measured, built-in otherwise`
      : ignored
        ? `built-in figures: the calibration is ignored (${ignored}); run \`leaky bench\` here`
        : 'built-in figures (run `leaky bench` to measure this machine)'
    process.stdout.write(`\n${source}\n${explainSelection(ranking, workload, unavailable).join('\n')}\n`)
  }
  return 0
}
