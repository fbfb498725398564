import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FormatError } from '../errors/errors.js'
import { type GoldenFile, parseGolden } from './golden.js'

/** Reads and parses one golden file; unreadable or malformed files are FormatErrors naming the file. */
export function readGoldenFile(path: string): GoldenFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new FormatError(
      `cannot read golden file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    )
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new FormatError(`golden file ${path} is not JSON: ${(error as Error).message}`)
  }
  try {
    return parseGolden(doc)
  } catch (error) {
    throw new FormatError(`${path}: ${(error as Error).message}`)
  }
}

/** The copy of Norse's golden vectors that ships with @leaky/core. */
export function bundledGoldenPath(): string {
  // dist/conformance/node.js or src/conformance/node.ts → package root
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'golden', 'norse_li_golden.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new FormatError('the bundled golden file of @leaky/core is missing')
    dir = up
  }
  return join(dir, 'golden', 'norse_li_golden.json')
}

/**
 * Golden files the tests replay: the bundled copy, plus every *.json in the folder named by
 * LEAKY_GOLDEN_DIR or, when present, the project's ../shared/golden (so new cases in that format run
 * without a code change).
 */
export function goldenFilePaths(): string[] {
  const paths = [bundledGoldenPath()]
  const extraDir = process.env.LEAKY_GOLDEN_DIR ?? findSharedGolden()
  if (extraDir && existsSync(extraDir)) {
    for (const name of readdirSync(extraDir).sort()) {
      if (!name.endsWith('.json')) continue
      const path = resolve(extraDir, name)
      // The bundled file is a copy of shared's: only replay shared's if it differs.
      if (readFileSync(path, 'utf8') !== readFileSync(paths[0] as string, 'utf8')) paths.push(path)
    }
  }
  return paths
}

/** Reads and parses every golden file (the bundled one, and any in LEAKY_GOLDEN_DIR or ../shared/golden). */
export function loadGoldenFiles(): GoldenFile[] {
  return goldenFilePaths().map(readGoldenFile)
}

function findSharedGolden(): string | undefined {
  let dir = process.cwd()
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return join(dir, '..', 'shared', 'golden')
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}
