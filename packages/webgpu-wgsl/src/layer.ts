/**
 * A layer on leaky's own WGSL kernels. A run cuts time into slices that fit one storage binding
 * (and bound the GPU memory a call holds); each slice uploads its x, projects it (weighted layers),
 * runs the LI kernel once over every neuron and reads its voltages back. The state stays in a GPU
 * buffer between slices, and between step() calls: a step's handle holds that buffer.
 */
import {
  BackendError,
  type BackendName,
  CapacityError,
  type LIState,
  type ResolvedLayerSpec,
  type RunOptions,
  type RunResult,
  type Shape,
  sizeOf,
  type Tensor,
} from '@leaky/core'
import { BaseLayer, type StartState, stateShape } from '@leaky/core/backend'
import type { GpuContext } from './device.js'
import {
  LI_KERNEL,
  LI_UNIFORM_WORDS,
  LI_WORKGROUP,
  MATMUL_KERNEL,
  MATMUL_UNIFORM_WORDS,
  TILE,
} from './kernels.js'

/** The backend's name (an open string once the backend-declaration API lands in core). */
export const WGSL_BACKEND: BackendName = 'webgpu-wgsl'

/** A state resident on the GPU: [v | i], each `width` floats. */
export interface GpuState {
  readonly buffer: GPUBuffer
  readonly width: number
}

/** Most floats one slice's x or voltages buffer holds (128 MiB), below the device's binding limit. */
const SLICE_FLOATS = 2 ** 25
const MAX_GROUPS = 65_535

const U = () => GPUBufferUsage

interface Pipelines {
  readonly li: GPUComputePipeline
  readonly matmul: GPUComputePipeline
}

const pipelineCache = new WeakMap<GPUDevice, Pipelines>()

function pipelines(device: GPUDevice): Pipelines {
  let p = pipelineCache.get(device)
  if (!p) {
    const make = (code: string) =>
      device.createComputePipeline({
        layout: 'auto',
        compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
      })
    p = { li: make(LI_KERNEL), matmul: make(MATMUL_KERNEL) }
    pipelineCache.set(device, p)
  }
  return p
}

/** 1-D work over `count` items as a ≤ 65 535-wide 2-D grid of `perGroup`-sized workgroups. */
function grid(count: number, perGroup: number): { x: number; y: number; stride: number } {
  const groups = Math.max(1, Math.ceil(count / perGroup))
  const x = Math.min(groups, MAX_GROUPS)
  return { x, y: Math.ceil(groups / x), stride: x * perGroup }
}

export class WgslLayer extends BaseLayer<GpuState> {
  readonly backend = WGSL_BACKEND
  /** Norse's step order, one invocation per neuron: the exact tolerance (test/ checks FMA contraction). */
  readonly tolerance = { run: 1e-5, step: 1e-5 }
  readonly #gpu: GpuContext
  readonly #device: GPUDevice
  readonly #coefficients: GPUBuffer
  readonly #weights: GPUBuffer | undefined
  readonly #paramCount: number
  /** Bound as the currents output when a run does not record them (bindings must not alias). */
  readonly #unused: GPUBuffer
  /** GPU states handed out and not yet disposed: freed with the layer, whose handles then cannot be used. */
  readonly #states = new Set<GPUBuffer>()
  /** Step buffers reused across step() calls of one width: x, projected x, voltages, uniforms, staging. */
  #stepBuffers: { width: number; inputs: number; buffers: GPUBuffer[] } | undefined

  /** Most floats one slice's x or voltages buffer holds. */
  readonly #sliceFloats: number

  /** `options.sliceFloats` caps a time slice below the default 2^25 floats (tests cut runs into many slices). */
  constructor(spec: ResolvedLayerSpec, gpu: GpuContext, options: { readonly sliceFloats?: number } = {}) {
    super(spec)
    this.#sliceFloats = options.sliceFloats ?? SLICE_FLOATS
    this.#gpu = gpu
    this.#device = gpu.device
    const { a, b, vLeak, scalar } = spec.coefficients
    this.#paramCount = scalar ? 1 : spec.neurons
    const packed = new Float32Array(3 * this.#paramCount)
    packed.set(a.subarray(0, this.#paramCount), 0)
    packed.set(b.subarray(0, this.#paramCount), this.#paramCount)
    packed.set(vLeak.subarray(0, this.#paramCount), 2 * this.#paramCount)
    this.#coefficients = this.#upload(packed)
    if (spec.weights) {
      if (4 * spec.weights.data.length > gpu.maxBinding)
        throw new CapacityError(
          `weights of ${spec.weights.data.length} values exceed this GPU's largest binding (${gpu.maxBinding} bytes)`,
        )
      this.#weights = this.#upload(spec.weights.data)
    }
    this.#unused = this.#buffer(4, U().STORAGE)
    pipelines(this.#device)
  }

  /** GPU states of this layer alive now (each step's handle holds one until disposed). */
  get liveGpuStates(): number {
    return this.#states.size
  }

  /** What the adapter is, for reports. */
  get adapter(): string {
    return this.#gpu.adapter
  }

  #upload(data: Float32Array): GPUBuffer {
    const buffer = this.#device.createBuffer({
      size: Math.max(16, 4 * data.length),
      usage: U().STORAGE | U().COPY_DST,
    })
    this.#device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength)
    return buffer
  }

  #buffer(floats: number, usage: number): GPUBuffer {
    return this.#device.createBuffer({ size: Math.max(16, 4 * floats), usage })
  }

  /** An empty state buffer [v | i] for `width` values each. */
  #newState(width: number): GPUBuffer {
    if (8 * width > this.#gpu.maxBinding)
      throw new CapacityError(
        `a state of ${width} neurons × batch exceeds this GPU's largest binding (${this.#gpu.maxBinding} bytes)`,
      )
    return this.#buffer(2 * width, U().STORAGE | U().COPY_SRC | U().COPY_DST)
  }

  /** The buffer the first kernel reads the start state from: a resident one as it is, a plain one uploaded into `upload`. */
  #startBuffer(start: StartState<GpuState>, width: number, upload: GPUBuffer): GPUBuffer {
    if (start.kind === 'resident') return start.value.buffer
    const q = this.#device.queue
    const { v, i } = start.state
    q.writeBuffer(upload, 0, v.data.buffer, v.data.byteOffset, v.data.byteLength)
    q.writeBuffer(upload, 4 * width, i.data.buffer, i.data.byteOffset, i.data.byteLength)
    return upload
  }

  /** Encodes projection (weighted) and the LI kernel over `steps` steps of `rows` rows. */
  #encode(
    encoder: GPUCommandEncoder,
    o: {
      steps: number
      rows: number
      x: GPUBuffer
      projected?: GPUBuffer
      stateIn: GPUBuffer
      state: GPUBuffer
      voltages: GPUBuffer
      currents?: GPUBuffer
      uniforms: GPUBuffer
    },
  ): void {
    const N = this.spec.neurons
    const width = o.rows * N
    const p = pipelines(this.#device)
    const g = grid(width, LI_WORKGROUP)
    const words = new Uint32Array(LI_UNIFORM_WORDS + 64)
    words.set([width, this.#paramCount, o.steps, o.currents ? 1 : 0, g.stride])
    words.set([o.steps * o.rows, this.spec.inputs, N], 64) // matmul uniforms at byte 256
    this.#device.queue.writeBuffer(o.uniforms, 0, words)
    const pass = encoder.beginComputePass()
    let currentsIn = o.x
    if (this.#weights && o.projected) {
      const rows = o.steps * o.rows
      pass.setPipeline(p.matmul)
      pass.setBindGroup(
        0,
        this.#device.createBindGroup({
          layout: p.matmul.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: o.uniforms, offset: 256, size: 4 * MATMUL_UNIFORM_WORDS } },
            { binding: 1, resource: { buffer: o.x } },
            { binding: 2, resource: { buffer: this.#weights } },
            { binding: 3, resource: { buffer: o.projected } },
          ],
        }),
      )
      pass.dispatchWorkgroups(Math.ceil(N / TILE), Math.ceil(rows / TILE))
      currentsIn = o.projected
    }
    pass.setPipeline(p.li)
    pass.setBindGroup(
      0,
      this.#device.createBindGroup({
        layout: p.li.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: o.uniforms, offset: 0, size: 4 * LI_UNIFORM_WORDS } },
          { binding: 1, resource: { buffer: this.#coefficients } },
          { binding: 2, resource: { buffer: currentsIn } },
          { binding: 3, resource: { buffer: o.stateIn } },
          { binding: 6, resource: { buffer: o.state } },
          { binding: 4, resource: { buffer: o.voltages } },
          { binding: 5, resource: { buffer: o.currents ?? this.#unused } },
        ],
      }),
    )
    pass.dispatchWorkgroups(g.x, g.y)
    pass.end()
  }

  /**
   * Submits; the promise fails (with the GPU's own message) if WebGPU reported a validation or memory
   * error. Both scopes are popped at once, so a caller can await them together with its readback.
   */
  #submit(encoder: GPUCommandEncoder): Promise<void> {
    if (this.#gpu.lost) return Promise.reject(new BackendError(this.#gpu.lost))
    this.#device.pushErrorScope('out-of-memory')
    this.#device.pushErrorScope('validation')
    this.#device.queue.submit([encoder.finish()])
    const validation = this.#device.popErrorScope()
    const memory = this.#device.popErrorScope()
    return Promise.all([validation, memory]).then(([v, m]) => {
      const error = v ?? m
      if (error) throw new BackendError(`${this.backend}: WebGPU error: ${error.message}`)
    })
  }

  /** Submits and reads `floats` back from `staging`: one round trip, the error scopes checked first. */
  async #submitAndRead(
    encoder: GPUCommandEncoder,
    staging: GPUBuffer,
    floats: number,
  ): Promise<Float32Array> {
    const checked = this.#submit(encoder)
    const values = this.#read(staging, floats)
    // A failed submit also fails the map: report the submit's error, and never leave a rejection unseen.
    const [check, read] = await Promise.allSettled([checked, values])
    if (check.status === 'rejected') throw check.reason
    if (read.status === 'rejected') throw read.reason
    return read.value
  }

  async #read(staging: GPUBuffer, floats: number): Promise<Float32Array> {
    await staging.mapAsync(GPUMapMode.READ, 0, 4 * floats)
    try {
      return new Float32Array(staging.getMappedRange(0, 4 * floats).slice(0))
    } finally {
      staging.unmap()
    }
  }

  protected async runSequence(
    xs: Tensor,
    steps: number,
    batch: Shape,
    start: StartState<GpuState>,
    options: RunOptions,
  ): Promise<RunResult> {
    const N = this.spec.neurons
    const shape = stateShape(this.spec, batch)
    const rows = sizeOf(batch)
    const width = rows * N
    const inputs = this.spec.inputs
    const out = options.output ?? new Float32Array(steps * width)
    const record = options.recordStates ? new Float32Array(steps * width) : undefined
    const perStep = Math.max(width, rows * inputs)
    let slice = Math.floor(Math.min(this.#sliceFloats, this.#gpu.maxBinding / 4) / perStep)
    // The projection's grid is one workgroup row per TILE rows of x: at most 65 535 of them.
    if (this.#weights) slice = Math.min(slice, Math.floor((MAX_GROUPS * TILE) / rows))
    slice = Math.max(1, Math.min(steps, slice))
    if (4 * perStep > this.#gpu.maxBinding)
      throw new CapacityError(
        `one time step of ${perStep} values exceeds this GPU's largest binding (${this.#gpu.maxBinding} bytes)`,
      )
    const made: GPUBuffer[] = []
    const keep = (b: GPUBuffer) => {
      made.push(b)
      return b
    }
    try {
      // Slices read the state from one buffer and write it to the other, in turn; the first reads the
      // start state where it is (a resident one is never written).
      const pair = [keep(this.#newState(width)), keep(this.#newState(width))] as const
      let from = this.#startBuffer(start, width, pair[1])
      let to = pair[0]
      const storage = U().STORAGE | U().COPY_DST | U().COPY_SRC
      const x = keep(this.#buffer(slice * rows * inputs, storage))
      const projected = this.#weights ? keep(this.#buffer(slice * width, storage)) : undefined
      const voltages = keep(this.#buffer(slice * width, storage))
      const currents = record ? keep(this.#buffer(slice * width, storage)) : undefined
      const uniforms = keep(this.#buffer(128, U().UNIFORM | U().COPY_DST))
      const staging = keep(this.#buffer(slice * width * (record ? 2 : 1), U().MAP_READ | U().COPY_DST))
      const stateStaging = keep(this.#buffer(2 * width, U().MAP_READ | U().COPY_DST))
      for (let t0 = 0; t0 < steps; t0 += slice) {
        const n = Math.min(slice, steps - t0)
        const xIn = xs.data.subarray(t0 * rows * inputs, (t0 + n) * rows * inputs)
        this.#device.queue.writeBuffer(x, 0, xIn.buffer, xIn.byteOffset, xIn.byteLength)
        const encoder = this.#device.createCommandEncoder()
        this.#encode(encoder, {
          steps: n,
          rows,
          x,
          ...(projected ? { projected } : {}),
          stateIn: from,
          state: to,
          voltages,
          ...(currents ? { currents } : {}),
          uniforms,
        })
        encoder.copyBufferToBuffer(voltages, 0, staging, 0, 4 * n * width)
        if (currents) encoder.copyBufferToBuffer(currents, 0, staging, 4 * n * width, 4 * n * width)
        if (t0 + n >= steps) encoder.copyBufferToBuffer(to, 0, stateStaging, 0, 8 * width)
        const values = await this.#submitAndRead(encoder, staging, n * width * (record ? 2 : 1))
        out.set(values.subarray(0, n * width), t0 * width)
        record?.set(values.subarray(n * width), t0 * width)
        const next = to === pair[0] ? pair[1] : pair[0]
        from = to
        to = next
      }
      let final: LIState
      if (steps === 0) final = await this.readState({ buffer: from, width }, shape)
      else {
        const s = await this.#read(stateStaging, 2 * width)
        final = { v: { data: s.slice(0, width), shape }, i: { data: s.slice(width), shape } }
      }
      const voltagesOut = { data: out, shape: [steps, ...shape] }
      return {
        voltages: voltagesOut,
        state: final,
        ...(record ? { states: { v: voltagesOut, i: { data: record, shape: [steps, ...shape] } } } : {}),
      }
    } finally {
      for (const b of made) b.destroy()
    }
  }

  protected async runStep(
    x: Tensor,
    batch: Shape,
    start: StartState<GpuState>,
  ): Promise<{ v: Tensor; state: GpuState }> {
    const shape = stateShape(this.spec, batch)
    const rows = sizeOf(batch)
    const width = rows * this.spec.neurons
    const [xBuf, projected, voltages, uniforms, staging, upload] = this.#stepScratch(
      width,
      rows * this.spec.inputs,
    )
    const encoder = this.#device.createCommandEncoder()
    const stateIn = this.#startBuffer(start, width, upload as GPUBuffer)
    const state = this.#newState(width)
    try {
      this.#device.queue.writeBuffer(
        xBuf as GPUBuffer,
        0,
        x.data.buffer,
        x.data.byteOffset,
        x.data.byteLength,
      )
      this.#encode(encoder, {
        steps: 1,
        rows,
        x: xBuf as GPUBuffer,
        ...(this.#weights ? { projected: projected as GPUBuffer } : {}),
        stateIn,
        state,
        voltages: voltages as GPUBuffer,
        uniforms: uniforms as GPUBuffer,
      })
      encoder.copyBufferToBuffer(voltages as GPUBuffer, 0, staging as GPUBuffer, 0, 4 * width)
      const v = await this.#submitAndRead(encoder, staging as GPUBuffer, width)
      this.#states.add(state)
      return { v: { data: v, shape }, state: { buffer: state, width } }
    } catch (error) {
      state.destroy()
      throw error
    }
  }

  /** The step's scratch buffers, made once per width and reused by every step() of that width. */
  #stepScratch(width: number, inputs: number): GPUBuffer[] {
    const cached = this.#stepBuffers
    if (cached && cached.width === width && cached.inputs === inputs) return cached.buffers
    for (const b of cached?.buffers ?? []) b.destroy()
    const storage = U().STORAGE | U().COPY_DST | U().COPY_SRC
    const buffers = [
      this.#buffer(inputs, storage),
      this.#buffer(this.#weights ? width : 1, storage),
      this.#buffer(width, storage),
      this.#buffer(128, U().UNIFORM | U().COPY_DST),
      this.#buffer(width, U().MAP_READ | U().COPY_DST),
      this.#buffer(2 * width, storage), // a plain start state, uploaded
    ]
    this.#stepBuffers = { width, inputs, buffers }
    return buffers
  }

  /**
   * For benchmarks: seconds one LI pass over `steps` × `rows` rows takes with x, v and the state
   * already on the GPU (no upload, no readback): the kernel against the memory roofline. Median of
   * `repetitions` passes, each timed from submit to onSubmittedWorkDone. Inputs are zeros.
   */
  async timeResidentPass(steps: number, rows: number, repetitions = 5): Promise<number> {
    const width = rows * this.spec.neurons
    if (4 * steps * Math.max(width, rows * this.spec.inputs) > this.#gpu.maxBinding)
      throw new CapacityError(
        `${steps} steps of ${width} values exceed one binding (${this.#gpu.maxBinding} bytes)`,
      )
    const storage = U().STORAGE | U().COPY_DST | U().COPY_SRC
    const made = [
      this.#buffer(steps * rows * this.spec.inputs, storage),
      this.#buffer(this.#weights ? steps * width : 1, storage),
      this.#buffer(2 * width, storage),
      this.#buffer(2 * width, storage),
      this.#buffer(steps * width, storage),
      this.#buffer(128, U().UNIFORM | U().COPY_DST),
    ] as const
    const [x, projected, stateIn, state, voltages, uniforms] = made
    try {
      const seconds: number[] = []
      for (let r = 0; r <= repetitions; r++) {
        const encoder = this.#device.createCommandEncoder()
        this.#encode(encoder, {
          steps,
          rows,
          x,
          ...(this.#weights ? { projected } : {}),
          stateIn,
          state,
          voltages,
          uniforms,
        })
        const t0 = performance.now()
        await this.#submit(encoder)
        await this.#device.queue.onSubmittedWorkDone()
        if (r > 0) seconds.push((performance.now() - t0) / 1000) // the first pass warms up
      }
      seconds.sort((a, b) => a - b)
      return seconds[Math.floor(seconds.length / 2)] as number
    } finally {
      for (const b of made) b.destroy()
    }
  }

  protected async readState(state: GpuState, shape: Shape): Promise<LIState> {
    const staging = this.#buffer(2 * state.width, U().MAP_READ | U().COPY_DST)
    try {
      const encoder = this.#device.createCommandEncoder()
      encoder.copyBufferToBuffer(state.buffer, 0, staging, 0, 8 * state.width)
      const s = await this.#submitAndRead(encoder, staging, 2 * state.width)
      return { v: { data: s.slice(0, state.width), shape }, i: { data: s.slice(state.width), shape } }
    } finally {
      staging.destroy()
    }
  }

  protected releaseState(state: GpuState): void {
    state.buffer.destroy()
    this.#states.delete(state.buffer)
  }

  protected async release(): Promise<void> {
    this.#coefficients.destroy()
    this.#weights?.destroy()
    this.#unused.destroy()
    for (const b of this.#states) b.destroy()
    this.#states.clear()
    for (const b of this.#stepBuffers?.buffers ?? []) b.destroy()
    this.#stepBuffers = undefined
  }
}
