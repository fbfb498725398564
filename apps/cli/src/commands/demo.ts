import { getBackend } from '@leaky/core'
import { caseSpec, goldenError, runCase } from '@leaky/core/conformance'
import { bundledGoldenPath, readGoldenFile } from '@leaky/core/conformance/node'
import { loadBackends } from '../backends.js'
import { formatTable } from '../table.js'
import { type CommandHelp, formatHelp, parseFlags } from '../usage.js'

export const demoHelp: CommandHelp = {
  usage: 'leaky demo [--backend NAME]',
  description: "Simulates Norse's own LI test layer and prints leaky's voltages next to Norse's.",
  examples: ['leaky demo', 'leaky demo --backend node-cpu'],
}

export async function demo(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { backend: { type: 'string' } }, demoHelp)
  if (values.help) {
    process.stdout.write(formatHelp(demoHelp))
    return 0
  }
  const golden = readGoldenFile(bundledGoldenPath())
  const c = golden.cases.find((k) => k.name === 'ff_random_input') ?? golden.cases[0]
  if (!c) throw new Error('the bundled golden file has no cases')
  // The backend packages register node-cpu, web-wasm, …: load them before asking for one.
  await loadBackends()
  const backend = await getBackend(values.backend ?? 'js')
  const layer = await backend.createLayer(caseSpec(c))
  const started = performance.now()
  const { outputs, final } = await runCase(layer, c)
  const ms = performance.now() - started
  await layer.dispose()
  const [steps = 0, ...rest] = c.input.shape
  const neurons = rest[rest.length - 1] ?? 0
  const shown = [0, 1, 2, 9, 49, steps - 1].filter((t, k, all) => t < steps && all.indexOf(t) === k)
  const rows = shown.map((t) => {
    const k = t * (outputs.data.length / steps)
    return [
      t,
      outputs.data[k] as number,
      c.outputs.data[k] as number,
      Math.abs((outputs.data[k] as number) - (c.outputs.data[k] as number)),
    ]
  })
  process.stdout.write(
    `${c.name}: ${c.note}; T=${steps}, ${neurons} neurons, backend ${backend.name}, ${ms.toFixed(2)} ms\n\n` +
      `${formatTable(
        ['step', 'leaky v[0]', 'Norse v[0]', '|difference|'],
        rows.map((r) => r.map((x, i) => (i === 0 ? x : Number(x.toPrecision(8))))),
      )}\n\n` +
      `error over all ${outputs.data.length} voltages and the final state (golden metric): ${goldenError(c, outputs, final).toExponential(2)}\n`,
  )
  return 0
}
