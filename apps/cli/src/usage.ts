import { type ParseArgsConfig, parseArgs } from 'node:util'

/** A mistake in how the command was called: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  readonly usage: string
  constructor(message: string, usage: string) {
    super(message)
    this.usage = usage
  }
}

export interface CommandHelp {
  readonly usage: string
  readonly description: string
  readonly examples: readonly string[]
}

export function formatHelp(help: CommandHelp): string {
  return [
    `usage: ${help.usage}`,
    '',
    help.description,
    '',
    'examples:',
    ...help.examples.map((e) => `  ${e}`),
    '',
  ].join('\n')
}

type Options = NonNullable<ParseArgsConfig['options']>

/** node:util parseArgs, with every mistake turned into a UsageError. */
export function parseFlags<O extends Options>(
  args: string[],
  options: O,
  help: CommandHelp,
  positionals = false,
) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals,
      strict: true,
    })
  } catch (error) {
    throw new UsageError((error as Error).message, help.usage)
  }
}

export function requireNumber(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} takes a number, got "${value}"`, usage)
  return n
}

export function requireInteger(value: string | undefined, flag: string, usage: string): number | undefined {
  const n = requireNumber(value, flag, usage)
  if (n !== undefined && (!Number.isInteger(n) || n <= 0))
    throw new UsageError(`${flag} takes a whole number > 0, got "${value}"`, usage)
  return n
}
