/**
 * Parallel-in-time sequence graph, chunked: time is cut into chunks of C steps; inside a chunk the
 * whole map (x, j_in, v_in, i0, 1) → v is one MatMul with a constant [C, C+4] matrix (see
 * ./chunked-kernels.ts), so the heavy part runs at GEMM speed. The carried-in (j, v) of every chunk
 * come from two doubling scans over the T/C chunk boundaries only. No Loop/Scan node.
 *
 * Uniform, baked parameters only (with per-neuron parameters K would differ per neuron: use the
 * doubling graph). T may be fixed or symbolic; it is padded with zeros to a multiple of C in the
 * graph (with a fixed T, {@link defaultChunk} picks a C that divides T, which saves a pad and a slice).
 *
 * Data layout: x [T, ...batch, N] is viewed as [T/C, C, M] (M = batch·N) without a copy; the
 * operands [x; j_in; v_in; i0; 1] are one Concat along axis 1, the only full copy of x.
 */
import { type ResolvedLayerSpec, UnsupportedError } from '@leaky/core'
import { attr, GraphBuilder, tensorProto } from '../graph/graph-builder.js'
import { chunkKernels, chunkStateKernel } from './chunked-kernels.js'
import { isUniform, uniformCoefficients } from './coefficients.js'
import { DEFAULT_MAX_STEPS, type ParallelSequenceGraphOptions } from './doubling-sequence-graph.js'
import { SEQUENCE_IO } from './io-names.js'
import { addInputProjection, checkLayer, inputWidth, type LIGraphOptions } from './layer-options.js'
import { addDoublingScan, addToFirstRow, sliceTime, type TimeAxis, timeRow } from './time-axis.js'

export interface ChunkedSequenceGraphOptions extends ParallelSequenceGraphOptions {
  /** Chunk length C (default {@link defaultChunk}). Cost ≈ 2·(C+4) flops per neuron-step in one GEMM. */
  readonly chunk?: number
}

/** Whether the chunked graph can represent this layer: the same a, b, vLeak for every neuron, baked. */
export function supportsChunked(spec: ResolvedLayerSpec, o: LIGraphOptions = {}): boolean {
  return (o.parameters ?? 'baked') === 'baked' && isUniform(spec)
}

/**
 * Chunk length: 16–48 steps measured fastest on a 2-core CPU (T = 1000); among those, a divisor of
 * a fixed T closest to 25, else 32.
 */
export function defaultChunk(steps: number | string | undefined): number {
  if (typeof steps !== 'number') return 32
  let best: number | undefined
  for (let c = 16; c <= 48; c++) {
    if (steps % c === 0 && (best === undefined || Math.abs(c - 25) < Math.abs(best - 25))) best = c
  }
  return best ?? 32
}

/**
 * Up to this many chunks (fixed T) the chunk start states come from one [2nC, 2nC+2] MatMul
 * (≈ 8·nC/C flops a neuron-step); beyond it, from doubling scans over the chunk boundaries.
 */
export const MAX_MATMUL_CHUNKS = 64

/** The sequence graph that runs time in chunks, parallel inside each chunk. */
export function buildChunkedSequenceGraph(
  spec: ResolvedLayerSpec,
  o: ChunkedSequenceGraphOptions = {},
): GraphBuilder {
  checkLayer(spec, o)
  if (!supportsChunked(spec, o)) {
    throw new UnsupportedError(
      'the chunked parallel graph needs the same baked tauSynInv, tauMemInv and vLeak for every neuron; use parallel: "doubling"',
    )
  }
  const time = o.steps ?? 'T'
  const C = o.chunk ?? defaultChunk(time)
  const { a, b, vLeak } = uniformCoefficients(spec)
  const k = chunkKernels(C, a, b, vLeak)

  const g = new GraphBuilder('li_sequence_chunked')
  const batch = o.batchDims ?? []
  const state = [...batch, spec.neurons]
  const rank = state.length + 1
  const xs = g.input(SEQUENCE_IO.xs, [time, ...batch, inputWidth(spec)])
  const v0 = g.input(SEQUENCE_IO.v0, state)
  const i0 = g.input(SEQUENCE_IO.i0, state)
  const axis0 = { axis: attr.int(0) }
  const zeros = (n: number) => new Array<number>(n).fill(0)

  // x zero-padded to a multiple of C, viewed as chunks [nC, C, M].
  const x = addInputProjection(g, xs, spec, o)
  const shape = g.op('Shape', [x], {}, 'x_shape')
  const fixedT = typeof time === 'number' ? time : undefined
  let chunks: string // [1] int64: number of chunks
  let lastStep: string // [] int64: index within the last chunk of step T−1
  let padded = x
  const T = g.op('Slice', [shape, g.ints('zero1', [0]), g.ints('one1', [1])], {}, 'T')
  if (fixedT !== undefined) {
    const pad = (C - (fixedT % C)) % C
    if (pad > 0) {
      padded = g.op(
        'Pad',
        [x, g.ints('pads_time', [...zeros(rank), pad, ...zeros(rank - 1)])],
        {},
        'x_padded',
      )
    }
    chunks = g.ints('chunks', [(fixedT + pad) / C])
    lastStep = g.ints('last_step', [(fixedT - 1) % C], [])
  } else {
    const Cc = g.ints('C', [C])
    const pad = g.op('Mod', [g.op('Sub', [Cc, g.op('Mod', [T, Cc])]), Cc], {}, 'pad_T')
    const pads = g.op(
      'Concat',
      [g.ints('zeros_rank', zeros(rank)), pad, g.ints('zeros_rest', zeros(rank - 1))],
      axis0,
      'pads_time',
    )
    padded = g.op('Pad', [x, pads], {}, 'x_padded')
    chunks = g.op('Div', [g.op('Add', [T, pad]), Cc], {}, 'chunks')
    lastStep = g.op('Squeeze', [g.op('Mod', [g.op('Sub', [T, g.ints('one1', [1])]), Cc])], {}, 'last_step')
  }
  const xr = g.op(
    'Reshape',
    [padded, g.op('Concat', [chunks, g.ints('C_and_rest', [C, -1])], axis0)],
    {},
    'x_chunks',
  )
  // i0 as one operand row per chunk: i0 in chunk 0, zeros after.
  const rowShape = g.ints('row_shape', [1, 1, -1])
  const i0Rows = g.op(
    'Pad',
    [
      g.op('Reshape', [i0, rowShape]),
      g.op(
        'Concat',
        [g.ints('zeros3', [0, 0, 0]), g.op('Sub', [chunks, g.ints('one1', [1])]), g.ints('zeros2', [0, 0])],
        axis0,
      ),
    ],
    {},
    'i0_rows',
  ) // [nC, 1, M]

  // Chunk ends without carried-in state: row 0 = j (Σ α^{C−1−u}·x[u] + α^{C−1}·i0), row 1 = v's x and i0 part.
  const ends = g.op(
    'Add',
    [
      g.op('MatMul', [g.floats('boundary_kernel', k.boundary, [2, C]), xr]),
      g.op('Mul', [g.floats('boundary_i0', k.boundaryInitial, [2, 1]), i0Rows]),
    ],
    {},
    'chunk_ends',
  ) // [nC, 2, M]
  const sliceRow = (t: string, row: number): string =>
    g.op(
      'Slice',
      [t, g.ints('start', [row]), g.ints('end', [row + 1]), g.ints('axis1', [1])],
      {},
      'chunk_end_row',
    )

  // The state each chunk starts from, (j_in, v_in), as [nC, 1, M] each: with a fixed T and few chunks
  // one MatMul over the chunk ends (./chunked-kernels.ts chunkStateKernel), else two doubling scans
  // over the chunk boundaries (log₂ nC passes, each several row-sized ops).
  const v0Row = g.op('Reshape', [v0, rowShape], {}, 'v0_row')
  const nChunks = fixedT !== undefined ? Math.ceil(fixedT / C) : undefined
  let jIn: string
  let vIn: string
  if (nChunks !== undefined && nChunks <= MAX_MATMUL_CHUNKS) {
    const v0Flat = g.op('Reshape', [v0Row, g.ints('one_row', [1, -1])], {}, 'v0_flat')
    const onesRow = g.op(
      'ConstantOfShape',
      [g.op('Shape', [v0Flat])],
      { value: attr.tensor(tensorProto('one', Float32Array.of(1), [1])) },
      'ones_row',
    )
    const endRows = g.op(
      'Concat',
      [g.op('Reshape', [ends, g.ints('ends_2d', [2 * nChunks, -1])], {}, 'ends_2d'), v0Flat, onesRow],
      axis0,
      'chunk_end_rows',
    ) // [2·nC + 2, M]
    const starts = g.op(
      'MatMul',
      [g.floats('chunk_state_kernel', chunkStateKernel(k, nChunks), [2 * nChunks, 2 * nChunks + 2]), endRows],
      {},
      'chunk_starts',
    ) // [2·nC, M]: rows j_in, v_in of each chunk
    const startRows = g.op('Reshape', [starts, g.ints('starts_3d', [nChunks, 2, -1])], {}, 'chunk_start_rows')
    jIn = sliceRow(startRows, 0)
    vIn = sliceRow(startRows, 1)
  } else {
    // Boundary recurrences over chunks: J_k = α^C·J_{k−1} + ends_k[0];  V_k = γ^C·V_{k−1} + U_k.
    const chunkAxis: TimeAxis =
      nChunks !== undefined
        ? { rank: 3, length: nChunks }
        : { rank: 3, maxLength: Math.ceil((o.maxSteps ?? DEFAULT_MAX_STEPS) / C) }
    const jEnd = addDoublingScan(g, sliceRow(ends, 0), () => g.scalar('alpha_pow_C', k.alphaPowC), chunkAxis)
    jIn = g.op('Pad', [sliceTime(g, jEnd, 0, -1), g.ints('pads_one_chunk', [1, 0, 0, 0, 0, 0])], {}, 'j_in') // [nC, 1, M]
    const u = g.op(
      'Add',
      [
        g.op('Add', [sliceRow(ends, 1), g.op('Mul', [g.scalar('p_end', k.pEnd), jIn])]),
        g.scalar('leak_end', k.leakEnd),
      ],
      {},
      'v_end_drive',
    )
    const gammaPowC = g.scalar('gamma_pow_C', k.gammaPowC)
    const vEnd = addDoublingScan(
      g,
      addToFirstRow(g, u, g.op('Mul', [gammaPowC, v0Row])),
      gammaPowC,
      chunkAxis,
    )
    vIn = g.op('Concat', [v0Row, sliceTime(g, vEnd, 0, -1)], axis0, 'v_in')
  }

  // Every step of every chunk: [K | P | G | Q | L·vLeak] · [x; j_in; v_in; i0; 1].
  const ones = g.op(
    'ConstantOfShape',
    [g.op('Shape', [jIn])],
    { value: attr.tensor(tensorProto('one', Float32Array.of(1), [1])) },
    'ones',
  )
  const z = g.op('Concat', [xr, jIn, vIn, i0Rows, ones], { axis: attr.int(1) }, 'chunk_operands')
  const vChunks = g.op('MatMul', [g.floats('voltage_kernel', k.voltage, [C, C + 4]), z], {}, 'v_chunks')
  const restShape = g.op('Slice', [shape, g.ints('one1', [1]), g.ints('rank', [rank])], {}, 'batch_and_n')
  // The voltages are made under the output's own name: an Identity would copy [T, …, N] once more.
  const vShape = g.op('Concat', [g.ints('minus_one', [-1]), restShape], axis0)
  const voltages = SEQUENCE_IO.voltages
  if (padded !== x) {
    const vPadded = g.op('Reshape', [vChunks, vShape], {}, 'v_padded')
    g.node('Slice', [vPadded, g.ints('zero1', [0]), T, g.ints('axis0', [0])], [voltages])
  } else g.node('Reshape', [vChunks, vShape], [voltages])

  // Final current: row (T−1) mod C of the last chunk, j = [α^{t−u} | α^{t+1} | α^t]·[x; j_in; i0], then j − b·j.
  const lastOperands = g.op(
    'Concat',
    [timeRow(g, xr, -1), timeRow(g, jIn, -1), timeRow(g, i0Rows, -1)],
    axis0,
    'last_chunk_operands',
  ) // [C+2, M]
  const row = g.op(
    'Unsqueeze',
    [
      g.op('Gather', [g.floats('current_kernel', k.current, [C, C + 2]), lastStep], axis0),
      g.ints('axis0', [0]),
    ],
    {},
    'current_row',
  )
  const jLast = g.op('Reshape', [g.op('MatMul', [row, lastOperands]), g.op('Shape', [v0])], {}, 'j_last')
  const bValue = g.scalar('b', b)
  g.output(SEQUENCE_IO.voltages, voltages, [time, ...state])
  g.output(SEQUENCE_IO.vFinal, timeRow(g, voltages, -1), state)
  g.output(SEQUENCE_IO.iFinal, g.op('Sub', [jLast, g.op('Mul', [bValue, jLast])], {}, 'i_last'), state)
  return g
}
