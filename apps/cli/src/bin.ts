import { createRequire } from 'node:module'
import { LeakyError } from '@leaky/core'
import { loadCalibration } from './calibration.js'
import { backends, backendsHelp } from './commands/backends.js'
import { bench, benchHelp } from './commands/bench.js'
import { demo, demoHelp } from './commands/demo.js'
import { exportCommand, exportHelp } from './commands/export.js'
import { nir, nirHelp } from './commands/nir.js'
import { run, runHelp } from './commands/run.js'
import { serve, serveHelp } from './commands/serve.js'
import { verify, verifyHelp } from './commands/verify.js'
import { type CommandHelp, UsageError } from './usage.js'

type Command = { readonly run: (args: string[]) => Promise<number>; readonly help: CommandHelp }

const commands: Record<string, Command> = {
  backends: { run: backends, help: backendsHelp },
  run: { run, help: runHelp },
  export: { run: exportCommand, help: exportHelp },
  nir: { run: nir, help: nirHelp },
  verify: { run: verify, help: verifyHelp },
  bench: { run: bench, help: benchHelp },
  demo: { run: demo, help: demoHelp },
  serve: { run: serve, help: serveHelp },
}

/** The version of this package (dist/bin.js → ../package.json, in the repo and in the npm tarball). */
const VERSION: string = createRequire(import.meta.url)('../package.json').version

/** Every command with its whole description, indented under its name. */
const USAGE = `usage: leaky <command> [options]   (leaky <command> --help for its options)
       leaky --version

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name}\n${c.help.description.replace(/^/gm, '      ')}`)
  .join('\n')}
`

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim()
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
}

function describeErrno(code: string): string {
  return ERRNO[code] ? `${ERRNO[code]} (${code})` : code
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug')
  const args = argv.filter((a) => a !== '--debug')
  const [name, ...rest] = args
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  // Bare `leaky` is a mistake (usage on stderr, exit 2); asking for help is not.
  if (name === undefined) {
    process.stderr.write(USAGE)
    return 2
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  const command = commands[name]
  try {
    // What `leaky bench` measured decides `auto` in every command (built-in figures until then).
    if (command) loadCalibration()
    if (!command)
      throw new UsageError(
        `unknown command "${name}"`,
        `leaky <command> [options]; commands: ${Object.keys(commands).join(', ')}`,
      )
    return await command.run(rest)
  } catch (error) {
    if (debug) console.error(error)
    if (error instanceof UsageError) {
      process.stderr.write(`leaky: ${oneLine(error.message)}\nusage: ${error.usage}\n`)
      return 2
    }
    // Errors about the caller's files and values (bad golden file, bad shapes) are the caller's to fix: exit 2.
    if (error instanceof LeakyError) {
      process.stderr.write(`leaky: ${oneLine(error.message)}\n`)
      return 2
    }
    const fsError = error as NodeJS.ErrnoException
    if (typeof fsError?.code === 'string' && typeof fsError.path === 'string') {
      process.stderr.write(
        `leaky: cannot ${fsError.syscall ?? 'use'} ${fsError.path}: ${describeErrno(fsError.code)}\n`,
      )
      return 2
    }
    process.stderr.write(
      `leaky: ${error instanceof Error ? error.message : String(error)} (rerun with --debug for details)\n`,
    )
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
