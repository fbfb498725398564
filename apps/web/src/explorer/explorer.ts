import type { BackendName } from '@leaky/core'
import type { BackendStatus } from '../backends/backends.js'
import { BackendPicker } from '../backends/picker.js'
import { downloadPanel } from '../download/download-panel.js'
import type { Setup } from '../setup/setup.js'
import { LatestOnly } from '../simulation/latest-only.js'
import { type Simulation, simulateSetup } from '../simulation/simulation.js'
import { Controls } from './controls.js'
import { h } from './dom.js'
import { drawInputRaster } from './input-raster.js'
import { type Trace, TracePlot } from './trace-plot.js'

/** Edits closer together than this are one change: typing "250" simulates once, not three times. */
const DEBOUNCE_MS = 150

/**
 * The explorer: the setup form on the left, v(t), i(t) and the input on the right. Every change
 * re-simulates (debounced) and is written to the URL by `onSetup`.
 */
export class Explorer {
  readonly element: HTMLElement
  readonly #controls: Controls
  readonly #picker: BackendPicker
  readonly #runner: LatestOnly<Setup>
  readonly #status: HTMLElement
  readonly #voltagePlot: TracePlot
  readonly #currentPlot: TracePlot
  readonly #raster: HTMLCanvasElement
  #last: Simulation | undefined
  #error: string | undefined
  #runs = 0

  constructor(initial: Setup, statuses: readonly BackendStatus[], onSetup: (s: Setup) => void) {
    this.#runner = new LatestOnly((s) => this.#simulate(s), DEBOUNCE_MS)
    const changed = (s: Setup) => {
      onSetup(s)
      this.#runner.request(s)
    }
    this.#controls = new Controls(initial, changed)
    // The backend is part of the setup the controls hold, so that there is one source of truth.
    this.#picker = new BackendPicker(statuses, initial.backend as BackendName, (backend) =>
      this.#controls.patch({ backend }),
    )
    this.#status = h('p', { id: 'run-status', role: 'status', 'aria-live': 'polite' }, 'Simulating…')
    const vBox = h('div', { class: 'plot', id: 'plot-v' })
    const iBox = h('div', { class: 'plot', id: 'plot-i' })
    this.#raster = h('canvas', { id: 'input-raster', role: 'img', 'aria-label': 'Input current heatmap' })
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
      h(
        'div',
        { class: 'plots' },
        this.#status,
        h('h3', {}, 'Membrane voltage v(t)'),
        vBox,
        h('h3', {}, 'Synaptic current i(t)'),
        iBox,
        h('h3', {}, 'Input current (time across, neurons down)'),
        this.#raster,
      ),
    )
    this.#voltagePlot = new TracePlot(vBox, 'v')
    this.#currentPlot = new TracePlot(iBox, 'i')
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

  /** Completed simulations, failed ones included. */
  get runs(): number {
    return this.#runs
  }

  /** Simulates the current setup now (the first paint does not wait for the debounce). */
  start(): void {
    this.#runner.request(this.setup, 0)
  }

  settled(): Promise<void> {
    return this.#runner.settled()
  }

  /** What the charts show: [time, ...one series per plotted neuron]. */
  plotted(): { v: number[][]; i: number[][] } {
    return { v: this.#voltagePlot.data(), i: this.#currentPlot.data() }
  }

  async #simulate(setup: Setup): Promise<void> {
    try {
      const sim = await simulateSetup(setup)
      this.#last = sim
      this.#error = undefined
      this.#render(sim)
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error)
      this.#status.textContent = `Simulation failed: ${this.#error}`
      this.#status.classList.add('error')
    } finally {
      this.#runs++
    }
  }

  #render(sim: Simulation): void {
    const { steps: T, neurons: N, dt, plot } = sim.setup
    const time = Float64Array.from({ length: T }, (_, t) => (t + 1) * dt)
    const column = (data: Float32Array, n: number): Float32Array =>
      Float32Array.from({ length: T }, (_, t) => data[t * N + n] as number)
    const traces = (data: Float32Array): Trace[] =>
      plot.map((n) => ({ label: `neuron ${n}`, values: column(data, n) }))
    this.#voltagePlot.show(time, traces(sim.voltages))
    this.#currentPlot.show(time, traces(sim.currents))
    drawInputRaster(this.#raster, sim.input)
    this.#controls.showWarnings(sim.warnings)
    const timing = `${sim.runMs.toFixed(1)} ms on ${sim.backend} (layer made in ${sim.createMs.toFixed(1)} ms)`
    this.#picker.showTiming(timing)
    this.#status.classList.remove('error')
    this.#status.textContent = `T = ${T} steps × N = ${N} neurons: ${timing}`
  }
}
