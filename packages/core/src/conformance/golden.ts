import { FormatError } from '../errors/errors.js'
import type { LIState } from '../layer/spec.js'
import type { LIParameters } from '../parameters/parameters.js'
import { sizeOf, type Tensor } from '../tensor/tensor.js'

/** One case of a file in the golden format (../shared/golden/README.md), already as leaky tensors. */
export interface GoldenCase {
  readonly name: string
  readonly kind: 'feed_forward' | 'weighted'
  readonly note: string
  readonly dt: number
  readonly params: LIParameters
  readonly input: Tensor
  readonly weights?: Tensor
  readonly initial: LIState
  readonly outputs: Tensor
  readonly final: LIState
}

/** A golden file: Norse's outputs for a set of cases. */
export interface GoldenFile {
  readonly source: string
  readonly cases: readonly GoldenCase[]
}

function fail(where: string, what: string): never {
  throw new FormatError(`golden file: ${where}: ${what}`)
}

function readTensor(value: unknown, where: string): Tensor {
  if (typeof value !== 'object' || value === null) fail(where, 'expected { shape, data }')
  const { shape, data } = value as { shape?: unknown; data?: unknown }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    fail(where, 'shape must be an array of integers >= 0')
  }
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'number'))
    fail(where, 'data must be an array of numbers')
  if (data.length !== sizeOf(shape))
    fail(where, `shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, data has ${data.length}`)
  return { data: Float32Array.from(data), shape }
}

/** A parameter of shape [] is a scalar; [N] is per neuron. */
function readParameter(value: unknown, where: string): number | Float32Array {
  const t = readTensor(value, where)
  if (t.shape.length === 0) return t.data[0] as number
  if (t.shape.length === 1) return t.data
  return fail(where, `a parameter must be a scalar or [N], got [${t.shape.join(', ')}]`)
}

/** Parses any document in the golden format; a malformed one is a FormatError naming the bad field. */
export function parseGolden(doc: unknown): GoldenFile {
  if (typeof doc !== 'object' || doc === null) fail('top level', 'expected an object')
  const { source, cases } = doc as { source?: unknown; cases?: unknown }
  if (!Array.isArray(cases)) fail('top level', '"cases" must be an array')
  return {
    source: typeof source === 'string' ? source : '',
    cases: cases.map((raw, k): GoldenCase => {
      if (typeof raw !== 'object' || raw === null) fail(`cases[${k}]`, 'expected an object')
      const c = raw as Record<string, unknown>
      const name = typeof c.name === 'string' ? c.name : fail(`cases[${k}]`, '"name" must be a string')
      const at = (field: string) => `case ${name}, ${field}`
      if (c.kind !== 'feed_forward' && c.kind !== 'weighted')
        fail(at('kind'), 'must be "feed_forward" or "weighted"')
      if (typeof c.dt !== 'number') fail(at('dt'), 'must be a number')
      const p = (c.p ?? fail(at('p'), 'missing')) as Record<string, unknown>
      const final = (c.final ?? fail(at('final'), 'missing')) as Record<string, unknown>
      return {
        name,
        kind: c.kind,
        note: typeof c.note === 'string' ? c.note : '',
        dt: c.dt,
        params: {
          tauSynInv: readParameter(p.tau_syn_inv, at('p.tau_syn_inv')),
          tauMemInv: readParameter(p.tau_mem_inv, at('p.tau_mem_inv')),
          vLeak: readParameter(p.v_leak, at('p.v_leak')),
        },
        input: readTensor(c.input, at('input')),
        ...(c.kind === 'weighted' ? { weights: readTensor(c.weights, at('weights')) } : {}),
        initial: { v: readTensor(c.v0, at('v0')), i: readTensor(c.i0, at('i0')) },
        outputs: readTensor(c.outputs, at('outputs')),
        final: { v: readTensor(final.v, at('final.v')), i: readTensor(final.i, at('final.i')) },
      }
    }),
  }
}

/** The layer spec of a golden case. */
export function caseSpec(c: GoldenCase) {
  const last = c.outputs.shape[c.outputs.shape.length - 1] as number
  return { neurons: last, params: c.params, dt: c.dt, ...(c.weights ? { weights: c.weights } : {}) }
}

/** The golden README's error: max |ours − norse| / max(1, max |norse|) over outputs and final state. */
export function goldenError(c: GoldenCase, outputs: Tensor, final: LIState): number {
  const pairs: [Float32Array, Float32Array][] = [
    [outputs.data, c.outputs.data],
    [final.v.data, c.final.v.data],
    [final.i.data, c.final.i.data],
  ]
  let diff = 0
  let scale = 1
  for (const [ours, norse] of pairs) {
    if (ours.length !== norse.length) return Number.POSITIVE_INFINITY
    for (let k = 0; k < norse.length; k++) {
      const d = Math.abs((ours[k] as number) - (norse[k] as number))
      // NaN anywhere is a failure, never a pass.
      diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d)
    }
  }
  for (const norse of [c.outputs.data, c.final.v.data, c.final.i.data]) {
    for (const x of norse) scale = Math.max(scale, Math.abs(x))
  }
  return diff / scale
}
