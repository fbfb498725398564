// Sums every package's vitest JSON report into one closing line, "N passed, N failed", so a reader
// (or CI) sees the whole monorepo's count at the end of `pnpm test`.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const group of ['packages', 'apps', '.']) {
  const dirs = group === '.' ? ['benchmarks'] : readdirSync(group).map((d) => join(group, d))
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'package.json'))) continue
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    if (!pkg.scripts?.test) continue
    const report = join(dir, '.vitest-result.json')
    if (!existsSync(report)) {
      missing.push(dir)
      continue
    }
    const r = JSON.parse(readFileSync(report, 'utf8'))
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += r.numPendingTests + (r.numTodoTests ?? 0)
  }
}
// The consumer test (scripts/consumer-test): the packed tarballs used from fresh npm projects.
const consumer = join('scripts', 'consumer-test', '.result.json')
if (existsSync(consumer)) {
  const r = JSON.parse(readFileSync(consumer, 'utf8'))
  console.log(`consumer: ${r.passed} passed, ${r.failed} failed`)
  passed += r.passed
  failed += r.failed
} else missing.push('scripts/consumer-test')
if (missing.length) console.log(`no test report from: ${missing.join(', ')}`)
console.log(`tests: ${passed} passed, ${failed + missing.length} failed, ${skipped} skipped`)
process.exitCode = failed + missing.length > 0 ? 1 : 0
