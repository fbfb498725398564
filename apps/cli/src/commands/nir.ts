import { readFile } from 'node:fs/promises'
import { FormatError } from '@leaky/core'
import { inspectNir, type NirSummary } from '@leaky/interop'
import { readNirBytes } from '@leaky/interop/node'
import { jsonDocument } from '../json.js'
import { formatTable } from '../table.js'
import { type CommandHelp, formatHelp, parseFlags, UsageError } from '../usage.js'

export const nirHelp: CommandHelp = {
  usage: 'leaky nir inspect FILE [--json]',
  description:
    'Lists the nodes of a NIR graph (.nir, HDF5): type, input and output shapes, parameters, whether leaky\n' +
    'can run it (Input, Output, Affine, Linear, CubaLI, LI), and every edge, subgraphs included.',
  examples: [
    'leaky nir inspect packages/interop/fixtures/nir/rockpool_braille.nir',
    'leaky nir inspect model.nir --json',
  ],
}

const SUBCOMMANDS = ['inspect'] as const

export async function nir(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(formatHelp(nirHelp))
    return sub === undefined ? 2 : 0
  }
  if (sub !== 'inspect') {
    throw new UsageError(`unknown subcommand "${sub}" (known: ${SUBCOMMANDS.join(', ')})`, nirHelp.usage)
  }
  const { values, positionals } = parseFlags(rest, { json: { type: 'boolean' } }, nirHelp, true)
  if (values.help) {
    process.stdout.write(formatHelp(nirHelp))
    return 0
  }
  const [file, ...extra] = positionals
  if (file === undefined) throw new UsageError('a .nir FILE is required', nirHelp.usage)
  if (extra.length > 0) throw new UsageError(`one FILE at a time, got ${positionals.length}`, nirHelp.usage)
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new FormatError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  const summary = inspectNir(await readNirBytes(new Uint8Array(bytes)))
  process.stdout.write(values.json ? jsonDocument({ ...summary }) : formatSummary(file, summary))
  return 0
}

function formatSummary(file: string, s: NirSummary): string {
  const shape = (dims: readonly number[]) => (dims.length > 0 ? `[${dims.join(', ')}]` : '-')
  const nodes = formatTable(
    ['node', 'type', 'in', 'out', 'parameters', 'supported'],
    s.nodes.map((n) => [
      n.path,
      n.type,
      shape(n.inputShape),
      shape(n.outputShape),
      Object.entries(n.params)
        .map(([k, p]) => `${k} ${p}`)
        .join(', ') || '-',
      n.supported ? 'yes' : 'NO',
    ]),
  )
  const edges = s.edges.map((e) => `  ${e.from} -> ${e.to}`).join('\n')
  const verdict =
    s.unsupported.length === 0
      ? 'every node is supported'
      : `${s.unsupported.length} unsupported: ${s.unsupported.map((u) => `${u.path} (${u.type})`).join(', ')}`
  return `${file}: NIR ${s.version}, ${s.nodes.length} nodes, ${s.edges.length} edges\n\n${nodes}\n\nedges:\n${edges}\n\n${verdict}\n`
}
