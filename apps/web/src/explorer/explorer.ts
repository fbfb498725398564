import { type BackendStatus, softwareWebgpuNote } from '../backends/backends.js'
import { BackendPicker } from '../backends/picker.js'
import { downloadPanel } from '../download/download-panel.js'
import { saveBlob } from '../download/onnx-export.js'
import { type ArrayExport, toCsv, toNpy } from '../export/arrays.js'
import type { Setup } from '../setup/setup.js'
import { LatestOnly } from '../simulation/latest-only.js'
import { type Simulation, SimulationCancelled, simulateSetup } from '../simulation/simulation.js'
import { Controls } from './controls.js'
import { h } from './dom.js'
import { InputHeatmap } from './input-raster.js'
import { type Trace, TracePlot } from './trace-plot.js'
import { ZoomLink } from './zoom-link.js'

/** How long a change took to reach the screen, for the test hook's latency figure. */
export interface PaintTiming {
  /** From the committed change (or the first simulation's start) to the painted plot. */
  readonly changeToPaintMs: number
  readonly createMs: number
  readonly runMs: number
  /** Plots and heatmap drawn, until the frame after them. */
  readonly renderMs: number
  /** performance.now() when it was painted: time since navigation start. */
  readonly paintedAt: number
}

interface Request {
  readonly setup: Setup
  readonly at: number
}

const afterPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))

/**
 * The explorer: the setup form on the left, v(t), i(t) and the input on the right. Every committed
 * change re-simulates and is written to the URL by `onSetup`. A simulation shows its progress and
 * can be cancelled; a newer change cancels it too.
 */
export class Explorer {
  readonly element: HTMLElement
  readonly #controls: Controls
  readonly #picker: BackendPicker
  readonly #runner: LatestOnly<Request>
  /** The explorer's one live region: what the last simulation did, or why it did not. */
  readonly #status: HTMLElement
  readonly #busy: HTMLElement
  readonly #progress: HTMLProgressElement
  readonly #nonFinite: HTMLElement
  readonly #plots: HTMLElement
  readonly #zoom = new ZoomLink()
  readonly #voltagePlot: TracePlot
  readonly #currentPlot: TracePlot
  readonly #heatmap: InputHeatmap
  #last: Simulation | undefined
  #error: string | undefined
  #runs = 0
  #timing: PaintTiming | undefined
  #userCancelled = false

  constructor(initial: Setup, statuses: readonly BackendStatus[], onSetup: (s: Setup) => void) {
    // Edits are committed values (change events), so there is nothing to debounce.
    this.#runner = new LatestOnly((r, signal) => this.#simulate(r, signal), 0)
    const changed = (s: Setup) => {
      onSetup(s)
      this.#runner.request({ setup: s, at: performance.now() })
    }
    this.#controls = new Controls(initial, changed)
    // The backend is part of the setup the controls hold, so that there is one source of truth.
    this.#picker = new BackendPicker(statuses, initial.backend, (backend) =>
      this.#controls.patch({ backend }),
    )
    this.#status = h('p', { id: 'run-status', role: 'status' }, 'Simulating…')
    this.#progress = h('progress', {
      id: 'run-progress',
      max: '1',
      value: '0',
      'aria-label': 'Simulation progress',
    })
    const cancel = h('button', { type: 'button', id: 'run-cancel' }, 'Cancel')
    cancel.addEventListener('click', () => {
      this.#userCancelled = true
      this.#runner.cancel()
    })
    this.#busy = h('div', { id: 'run-busy', class: 'busy', hidden: true }, this.#progress, cancel)
    this.#nonFinite = h('p', { id: 'non-finite', class: 'warning', hidden: true })
    const vBox = h('div', { class: 'plot', id: 'plot-v' })
    const iBox = h('div', { class: 'plot', id: 'plot-i' })
    this.#heatmap = new InputHeatmap(this.#zoom)
    this.#plots = h(
      'div',
      { class: 'plots', 'aria-busy': 'false' },
      this.#status,
      this.#busy,
      this.#nonFinite,
      h('h3', { id: 'plot-v-title' }, 'Membrane voltage v(t)'),
      vBox,
      h('h3', { id: 'plot-i-title' }, 'Synaptic current i(t)'),
      iBox,
      h('h3', {}, 'Input current (time across, neurons down)'),
      this.#heatmap.element,
      h(
        'p',
        { class: 'hint' },
        'Drag across a plot to zoom all three in time; double-click to see the whole run.',
      ),
      this.#exportPanel(),
    )
    this.element = h(
      'section',
      { id: 'explorer', 'aria-labelledby': 'explorer-title', class: 'explorer' },
      h('h2', { id: 'explorer-title', class: 'visually-hidden' }, 'Explorer'),
      h(
        'div',
        { class: 'side' },
        this.#controls.element,
        this.#picker.element,
        downloadPanel(() => this.setup),
      ),
      this.#plots,
    )
    this.#voltagePlot = new TracePlot(vBox, 'Membrane voltage v(t)', this.#zoom)
    this.#currentPlot = new TracePlot(iBox, 'Synaptic current i(t)', this.#zoom)
    void softwareWebgpuNote().then((note) => this.#picker.showNote(note))
  }

  get setup(): Setup {
    return this.#controls.setup
  }

  get last(): Simulation | undefined {
    return this.#last
  }

  get error(): string | undefined {
    return this.#error
  }

  get timing(): PaintTiming | undefined {
    return this.#timing
  }

  /** Completed simulations, failed and cancelled ones included. */
  get runs(): number {
    return this.#runs
  }

  /** The picker shows backends as they become known (a package loaded, a probe done). */
  showBackends(statuses: readonly BackendStatus[]): void {
    this.#picker.update(statuses)
  }

  /** A change made outside the form (a link's backend that cannot run here). */
  patch(change: Partial<Setup>): void {
    this.#controls.patch(change)
    if (change.backend) this.#picker.select(change.backend)
  }

  /** Simulates the current setup now. */
  start(): void {
    this.#runner.request({ setup: this.setup, at: performance.now() }, 0)
  }

  settled(): Promise<void> {
    return this.#runner.settled()
  }

  /** What the charts show: [time, ...one series per plotted neuron]. */
  plotted(): { v: (number | null)[][]; i: (number | null)[][] } {
    return { v: this.#voltagePlot.data(), i: this.#currentPlot.data() }
  }

  /** Axis labels and time ranges of both charts, and the shared zoom (undefined: the whole run). */
  view() {
    return { v: this.#voltagePlot.view(), i: this.#currentPlot.view(), zoom: this.#zoom.range }
  }

  #setBusy(busy: boolean): void {
    this.#busy.hidden = !busy
    this.#plots.setAttribute('aria-busy', String(busy))
  }

  async #simulate({ setup, at }: Request, signal: AbortSignal): Promise<void> {
    this.#progress.value = 0
    this.#setBusy(true)
    this.#status.classList.remove('error')
    this.#status.textContent = `Simulating T = ${setup.steps} × N = ${setup.neurons} on ${setup.backend}…`
    try {
      const sim = await simulateSetup(setup, {
        signal,
        onProgress: (done) => {
          this.#progress.value = done
        },
      })
      const r0 = performance.now()
      this.#last = sim
      this.#error = undefined
      this.#render(sim)
      await afterPaint()
      const paintedAt = performance.now()
      this.#timing = {
        changeToPaintMs: paintedAt - at,
        createMs: sim.createMs,
        runMs: sim.runMs,
        renderMs: paintedAt - r0,
        paintedAt,
      }
    } catch (error) {
      if (error instanceof SimulationCancelled) {
        // Cancelled by a newer change, the next run reports; by Cancel, say what the plots show.
        if (this.#userCancelled) this.#status.textContent = this.#cancelledText()
        return
      }
      this.#error = error instanceof Error ? error.message : String(error)
      this.#status.textContent = `Simulation failed: ${this.#error}`
      this.#status.classList.add('error')
    } finally {
      this.#userCancelled = false
      this.#setBusy(false)
      this.#runs++
    }
  }

  #cancelledText(): string {
    const last = this.#last?.setup
    return last
      ? `Cancelled. The plots still show the last finished run (T = ${last.steps} × N = ${last.neurons} on ${last.backend}).`
      : 'Cancelled before the first run finished.'
  }

  #render(sim: Simulation): void {
    const { steps: T, neurons: N, dt, plot, unit } = sim.setup
    const time = Float64Array.from({ length: T }, (_, t) => (t + 1) * dt)
    const column = (data: Float32Array, n: number): Float32Array =>
      Float32Array.from({ length: T }, (_, t) => data[t * N + n] as number)
    const traces = (data: Float32Array): Trace[] =>
      plot.map((n) => ({ label: `neuron ${n}`, values: column(data, n) }))
    const x = `time (${unit})`
    this.#voltagePlot.show(time, traces(sim.voltages), { x, y: 'v' })
    this.#currentPlot.show(time, traces(sim.currents), { x, y: 'i' })
    this.#heatmap.show(sim.input, dt, unit)
    this.#controls.showWarnings(sim.warnings)
    this.#showNonFinite(sim)
    const timing = `${formatMs(sim.runMs)} on ${sim.backend} (layer made in ${formatMs(sim.createMs)})`
    this.#picker.showTiming(timing)
    this.#status.textContent = `T = ${T} steps × N = ${N} neurons: ${timing}${sim.warnings.length ? '; unstable, see Neuron' : ''}`
  }

  #showNonFinite(sim: Simulation): void {
    const { neurons: N } = sim.setup
    const report = (name: string, data: Float32Array) => {
      const first = data.findIndex((x) => !Number.isFinite(x))
      if (first < 0) return undefined
      let count = 0
      for (const x of data) if (!Number.isFinite(x)) count++
      return `${name} has ${count.toLocaleString('en-US')} non-finite values (NaN or ±∞) from step ${Math.floor(first / N)}`
    }
    const parts = [report('v', sim.voltages), report('i', sim.currents)].filter(Boolean)
    this.#nonFinite.hidden = parts.length === 0
    this.#nonFinite.textContent = parts.length
      ? `${parts.join('; ')}: the numbers overflowed float32 (forward Euler diverges when dt·tauInv > 2). The plots leave those points out.`
      : ''
  }

  #exportPanel(): HTMLElement {
    const which = h('select', { id: 'export-array' })
    for (const [value, label] of [
      ['v', 'v (membrane voltage)'],
      ['i', 'i (synaptic current)'],
      ['input', 'input current'],
    ] as const)
      which.append(h('option', { value }, label))
    const format = h('select', { id: 'export-format' })
    for (const [value, label] of [
      ['csv', 'CSV (time, then a column per neuron)'],
      ['npy', 'NumPy .npy (float32 [T, N])'],
    ] as const)
      format.append(h('option', { value }, label))
    const note = h('p', { id: 'export-note', class: 'hint' })
    const data = h(
      'button',
      { type: 'button', id: 'export-data', 'aria-describedby': 'export-note' },
      'Download array',
    )
    const png = h(
      'button',
      { type: 'button', id: 'export-png', 'aria-describedby': 'export-note' },
      'Download plots as PNG',
    )
    data.addEventListener('click', async () => {
      const sim = this.#last
      if (!sim) {
        note.textContent = 'Nothing simulated yet.'
        return
      }
      const array = { v: sim.voltages, i: sim.currents, input: sim.input.data }[which.value] as Float32Array
      const { steps, neurons, dt, unit } = sim.setup
      const exported: ArrayExport = { data: array, steps, neurons, dt, unit }
      const name = `leaky-${which.value}`
      if (format.value === 'csv') saveBlob(new Blob([toCsv(exported)], { type: 'text/csv' }), `${name}.csv`)
      else saveBlob(new Blob([(await toNpy(exported)) as Uint8Array<ArrayBuffer>]), `${name}.npy`)
      note.textContent = `Saved ${name}.${format.value}: [T, N] = [${steps}, ${neurons}] of the run shown.`
    })
    png.addEventListener('click', () => {
      const canvases = [
        ['Membrane voltage v(t)', this.#voltagePlot.canvas()],
        ['Synaptic current i(t)', this.#currentPlot.canvas()],
        ['Input current', this.#heatmap.canvas],
      ] as const
      plotsPng(canvases).toBlob((blob) => {
        if (blob) saveBlob(blob, 'leaky-plots.png')
      }, 'image/png')
    })
    return h(
      'fieldset',
      { id: 'export' },
      h('legend', {}, 'Export'),
      png,
      h('div', { class: 'field' }, h('label', { for: 'export-array' }, 'Array'), which),
      h('div', { class: 'field' }, h('label', { for: 'export-format' }, 'Format'), format),
      data,
      note,
    )
  }
}

/** The plots stacked into one image with their titles, on white. */
function plotsPng(parts: readonly (readonly [string, HTMLCanvasElement | undefined])[]): HTMLCanvasElement {
  const shown = parts.filter((p): p is readonly [string, HTMLCanvasElement] => p[1] !== undefined)
  const title = 24
  const out = document.createElement('canvas')
  out.width = Math.max(1, ...shown.map(([, c]) => c.width))
  out.height = shown.reduce((sum, [, c]) => sum + title + c.height, 0)
  const ctx = out.getContext('2d') as CanvasRenderingContext2D
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, out.width, out.height)
  let y = 0
  for (const [name, canvas] of shown) {
    ctx.fillStyle = '#111'
    ctx.font = 'bold 16px system-ui, sans-serif'
    ctx.fillText(name, 8, y + 18)
    y += title
    ctx.drawImage(canvas, 0, y)
    y += canvas.height
  }
  return out
}

/** Milliseconds with sensible digits: 0.42 ms, 12.3 ms, 1.24 s. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`
  if (ms >= 100) return `${Math.round(ms)} ms`
  return `${ms.toPrecision(ms < 1 ? 2 : 3)} ms`
}
