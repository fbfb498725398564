import { getBackend, whyUnavailable } from '@leaky/core'
import { type VerifyRow, verifyBackend } from '@leaky/core/conformance'
import { readGoldenFile } from '@leaky/core/conformance/node'
import { parseBackendList } from '../backends.js'
import { formatTable } from '../table.js'
import { type CommandHelp, formatHelp, parseFlags, UsageError } from '../usage.js'

export const verifyHelp: CommandHelp = {
  usage: 'leaky verify --golden FILE [--backend NAME[,NAME]|all] [--json]',
  description:
    'Replays every case of a golden file (Norse outputs, format of shared/golden/README.md) on each backend,\n' +
    'through run() and repeated step(). Exit 0 only if every available backend passes every case.',
  examples: [
    'leaky verify --golden packages/core/golden/norse_li_golden.json',
    'leaky verify --golden my_cases.json --backend js,node-cpu --json',
  ],
}

type UnavailableRow = { backend: string; available: false; reason: string }

export async function verify(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    { golden: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } },
    verifyHelp,
  )
  if (values.help) {
    process.stdout.write(formatHelp(verifyHelp))
    return 0
  }
  if (!values.golden) throw new UsageError('--golden FILE is required', verifyHelp.usage)
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
    process.stdout.write(`${JSON.stringify([...rows, ...unavailable], null, 2)}\n`)
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
