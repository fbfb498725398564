import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { leaky } from './run-cli.js'

// Every command, fed what people get wrong: files that are missing, unreadable (a folder) or not
// what they claim, and flag values of the wrong type. Each must be one error line (plus the usage
// for a flag mistake), exit code 2, and never a stack trace.
const dir = mkdtempSync(join(tmpdir(), 'leaky-errors-'))
const garbage = join(dir, 'garbage.bin')
writeFileSync(garbage, Buffer.from(Array.from({ length: 300 }, (_, k) => (k * 7919) % 256)))
const garbageNpy = join(dir, 'garbage.npy')
writeFileSync(garbageNpy, Buffer.from(Array.from({ length: 300 }, (_, k) => (k * 7919) % 256)))
const garbageNir = join(dir, 'garbage.nir')
writeFileSync(garbageNir, Buffer.from(Array.from({ length: 300 }, (_, k) => (k * 7919) % 256)))
const input = join(dir, 'in.json')
writeFileSync(input, JSON.stringify({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }))
const out = join(dir, 'out.json')

const cases: [string, string[]][] = [
  ['verify: missing golden file', ['verify', '--golden', join(dir, 'missing.json')]],
  ['verify: golden file is a folder', ['verify', '--golden', dir]],
  ['verify: golden file is random bytes', ['verify', '--golden', garbage]],
  ['verify: unknown backend', ['verify', '--bad-input', '--backend', 'tpu']],
  ['run: missing input', ['run', '--input', join(dir, 'missing.npy'), '--out', out]],
  ['run: input is a folder', ['run', '--input', dir, '--out', out]],
  ['run: input .npy is random bytes', ['run', '--input', garbageNpy, '--out', out]],
  ['run: dt is not a number', ['run', '--input', input, '--out', out, '--dt', 'fast']],
  ['run: tau is not a number', ['run', '--input', input, '--out', out, '--tau-mem-inv', '1e']],
  ['run: missing params file', ['run', '--input', input, '--out', out, '--params', join(dir, 'p.json')]],
  ['run: missing weights file', ['run', '--input', input, '--out', out, '--weights', join(dir, 'w.npy')]],
  [
    'run: output folder does not exist',
    ['run', '--input', input, '--out', join(dir, 'no', 'such', 'out.json')],
  ],
  ['bench: unknown workload', ['bench', '--workload', 'ff-1e9']],
  ['bench: unknown backend', ['bench', '--backend', 'tpu']],
  ['backends: neurons is not a number', ['backends', '--explain', '--neurons', 'many', '--steps', '10']],
  [
    'export: neurons is negative',
    [
      'export',
      '--neuron',
      'feed-forward',
      '--graph',
      'step',
      '--neurons',
      '-3',
      '--out',
      join(dir, 'm.onnx'),
    ],
  ],
  [
    'export: missing params file',
    [
      'export',
      '--neuron',
      'feed-forward',
      '--graph',
      'step',
      '--params',
      join(dir, 'p.json'),
      '--out',
      join(dir, 'm.onnx'),
    ],
  ],
  ['nir: missing file', ['nir', 'inspect', join(dir, 'missing.nir')]],
  ['nir: random bytes', ['nir', 'inspect', garbageNir]],
  ['demo: unknown backend', ['demo', '--backend', 'tpu']],
  ['an unknown command', ['frobnicate']],
]

describe('CLI errors', () => {
  it.each(cases)('%s: exit 2, one line, no stack trace', (_, args) => {
    const r = leaky(...args)
    expect(r.code, r.stderr).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toMatch(/^leaky: \S/)
    // After the error line, only the usage (its continuation lines are indented).
    if (lines.length > 1) expect(lines[1]).toMatch(/^usage: /)
    for (const line of lines.slice(2)) expect(line).toMatch(/^\s+\S/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
