import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { ZoomLink } from './zoom-link.js'

/** Colours that stay distinguishable for the up to 8 neurons the explorer plots. */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2']

export interface Trace {
  readonly label: string
  readonly values: Float32Array
}

/**
 * One uPlot chart of traces over time. The chart is rebuilt only when its traces or axis labels
 * change, otherwise new data is swapped in; either way the zoom (shared through the ZoomLink with
 * the other plots) is kept. Drag to zoom, double-click to see the whole run.
 */
export class TracePlot {
  readonly #container: HTMLElement
  readonly #title: string
  readonly #zoom: ZoomLink
  readonly #onZoom = (range: readonly [number, number] | undefined) => this.#applyZoom(range)
  #plot: uPlot | undefined
  #key = ''
  /** True while this code moves the scale, so uPlot's setScale hook does not echo it back. */
  #applying = false
  #data: uPlot.AlignedData = [[]]

  constructor(container: HTMLElement, title: string, zoom: ZoomLink) {
    this.#container = container
    this.#title = title
    this.#zoom = zoom
    zoom.listen(this.#onZoom)
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(container)
  }

  show(time: Float64Array, traces: readonly Trace[], axes: { x: string; y: string }): void {
    // uPlot leaves null out (a gap); NaN and ±∞ would break its scales.
    const column = (values: Float32Array) =>
      values.every(Number.isFinite) ? values : Array.from(values, (x) => (Number.isFinite(x) ? x : null))
    this.#data = [time, ...traces.map((t) => column(t.values))] as uPlot.AlignedData
    const key = [axes.x, axes.y, ...traces.map((t) => t.label)].join('\n')
    this.#applying = true
    try {
      if (this.#plot && key === this.#key) this.#plot.setData(this.#data, this.#zoom.range === undefined)
      else this.#build(key, traces, axes)
      this.#applyZoom(this.#zoom.range)
    } finally {
      this.#applying = false
    }
    const canvas = this.#container.querySelector('canvas')
    canvas?.setAttribute('role', 'img')
    const [t0 = 0, t1 = 0] = [time[0], time[time.length - 1]]
    canvas?.setAttribute(
      'aria-label',
      `${this.#title}: ${traces.map((t) => t.label).join(', ')}, ${axes.y} against ${axes.x} from ${t0} to ${t1}`,
    )
  }

  /** What is on the chart now, [time, ...traces]: the test hook reads this. */
  data(): (number | null)[][] {
    return (this.#plot?.data ?? []).map((column) => Array.from(column as ArrayLike<number | null>))
  }

  /** Axis labels and the x range shown now: the test hook reads this. */
  view(): { x: string; y: string; range: [number, number] | undefined } {
    const [x = '', y = ''] = this.#key.split('\n')
    const { min, max } = this.#plot?.scales.x ?? {}
    return { x, y, range: min === undefined || max === undefined ? undefined : [min, max] }
  }

  /** The chart's canvas (axes and traces, no legend), for PNG export. */
  canvas(): HTMLCanvasElement | undefined {
    return this.#container.querySelector('canvas') ?? undefined
  }

  #build(key: string, traces: readonly Trace[], axes: { x: string; y: string }): void {
    this.#plot?.destroy()
    this.#key = key
    this.#plot = new uPlot(
      {
        ...this.#size(),
        scales: { x: { time: false } },
        axes: [{ label: axes.x }, { label: axes.y }],
        series: [
          { label: axes.x },
          ...traces.map((t, k) => ({
            label: t.label,
            stroke: PALETTE[k % PALETTE.length] as string,
            width: 1.5,
          })),
        ],
        hooks: { setScale: [(u, scale) => scale === 'x' && this.#scaleMoved(u)] },
      },
      this.#data,
      this.#container,
    )
  }

  /** A zoom by the user: share it, or clear it when it is back to the whole run. */
  #scaleMoved(u: uPlot): void {
    if (this.#applying) return
    const { min, max } = u.scales.x ?? {}
    if (min === undefined || max === undefined) return
    const time = this.#data[0] as ArrayLike<number>
    const whole =
      time.length === 0 || (min <= (time[0] as number) && max >= (time[time.length - 1] as number))
    this.#zoom.set(whole ? undefined : [min, max], this.#onZoom)
  }

  #applyZoom(range: readonly [number, number] | undefined): void {
    if (!this.#plot) return
    const applying = this.#applying
    this.#applying = true
    try {
      const time = this.#data[0] as ArrayLike<number>
      const [min, max] = range ?? [time[0] ?? 0, time[time.length - 1] ?? 1]
      this.#plot.setScale('x', { min, max })
    } finally {
      this.#applying = applying
    }
  }

  #size(): { width: number; height: number } {
    return { width: Math.max(200, this.#container.clientWidth), height: 220 }
  }
}
