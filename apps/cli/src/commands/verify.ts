import { getBackend, whyUnavailable } from '@leaky/core'
import { type BadInputRow, badInputTable, type VerifyRow, verifyBackend } from '@leaky/core/conformance'
import { readGoldenFile } from '@leaky/core/conformance/node'
import { parseBackendList } from '../backends.js'
import { jsonDocument } from '../json.js'
import { formatTable } from '../table.js'
import { type CommandHelp, formatHelp, parseFlags, UsageError } from '../usage.js'

export const verifyHelp: CommandHelp = {
  usage: 'leaky verify (--golden FILE | --bad-input) [--backend NAME[,NAME]|all] [--json]',
  description:
    'Replays every case of a golden file (Norse outputs, format of shared/golden/README.md) on each backend,\n' +
    'through run() and repeated step(). Exit 0 only if every available backend passes every case.\n' +
    'With --bad-input: runs the bad-input table on each backend and prints case × backend → error code.',
  examples: [
    'leaky verify --golden packages/core/golden/norse_li_golden.json',
    'leaky verify --golden my_cases.json --backend js,node-cpu --json',
    'leaky verify --bad-input --backend all',
  ],
}

type UnavailableRow = { backend: string; available: false; reason: string }

export async function verify(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      golden: { type: 'string' },
      'bad-input': { type: 'boolean' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
    verifyHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(verifyHelp))
    return 0
  }
  if (values['bad-input']) {
    if (values.golden)
      throw new UsageError('--golden and --bad-input are two different checks: give one', verifyHelp.usage)
    return badInput(await parseBackendList(values.backend, verifyHelp.usage), values.json ?? false)
  }
  if (!values.golden) throw new UsageError('--golden FILE or --bad-input is required', verifyHelp.usage)
  const names = await parseBackendList(values.backend, verifyHelp.usage)
  const golden = readGoldenFile(values.golden)
  const rows: VerifyRow[] = []
  const unavailable: UnavailableRow[] = []
  for (const name of names) {
    const reason = await whyUnavailable(name)
    if (reason !== undefined) {
      unavailable.push({ backend: name, available: false, reason })
      continue
    }
    rows.push(...(await verifyBackend(await getBackend(name), golden)))
  }
  const pass = rows.length > 0 && rows.every((r) => r.pass)
  if (values.json) {
    process.stdout.write(jsonDocument({ results: [...rows, ...unavailable] }))
  } else {
    const table = formatTable(
      ['case', 'backend', 'via', 'error', 'tolerance', 'pass'],
      rows.map((r) => [
        r.case,
        r.backend,
        r.mode,
        r.error.toExponential(2),
        r.tolerance.toExponential(0),
        r.pass ? 'yes' : 'NO',
      ]),
    )
    process.stdout.write(`${table}\n`)
    for (const u of unavailable) process.stdout.write(`${u.backend}: not available: ${u.reason}\n`)
    const failed = rows.filter((r) => !r.pass).length
    process.stdout.write(`\n${rows.length - failed} passed, ${failed} failed\n`)
  }
  return pass ? 0 : 1
}

/** The bad-input table on every backend: one row per case, one column per backend, the error code each gave. */
async function badInput(names: readonly string[], json: boolean): Promise<number> {
  const byBackend = new Map<string, BadInputRow[]>()
  const unavailable: UnavailableRow[] = []
  for (const name of names) {
    const reason = await whyUnavailable(name as never)
    if (reason !== undefined) unavailable.push({ backend: name, available: false, reason })
    else byBackend.set(name, await badInputTable(await getBackend(name)))
  }
  const rows = [...byBackend.entries()].flatMap(([backend, table]) => table.map((r) => ({ backend, ...r })))
  const pass = rows.length > 0 && rows.every((r) => r.pass)
  if (json) {
    process.stdout.write(jsonDocument({ results: [...rows, ...unavailable] }))
    return pass ? 0 : 1
  }
  const backends = [...byBackend.keys()]
  const cases = byBackend.get(backends[0] as string) ?? []
  const table = formatTable(
    ['case', 'expected', ...backends],
    cases.map((c, k) => [
      c.case,
      c.expected,
      ...backends.map((b) => {
        const row = byBackend.get(b)?.[k]
        return row ? `${row.got}${row.pass ? '' : ' ✗'}` : ''
      }),
    ]),
  )
  process.stdout.write(`${table}\n`)
  for (const u of unavailable) process.stdout.write(`${u.backend}: not available: ${u.reason}\n`)
  const failed = rows.filter((r) => !r.pass).length
  process.stdout.write(`\n${rows.length - failed} passed, ${failed} failed\n`)
  return pass ? 0 : 1
}
