import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** Colours that stay distinguishable for the up to 8 neurons the explorer plots. */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2']

export interface Trace {
  readonly label: string
  readonly values: Float32Array
}

/**
 * One uPlot chart of traces over time. The chart is rebuilt only when the set of traces changes,
 * otherwise new data is swapped in, so the legend and the zoom stay where the user left them.
 */
export class TracePlot {
  readonly #container: HTMLElement
  readonly #yLabel: string
  #plot: uPlot | undefined
  #labels = ''

  constructor(container: HTMLElement, yLabel: string) {
    this.#container = container
    this.#yLabel = yLabel
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(container)
  }

  show(time: Float64Array, traces: readonly Trace[]): void {
    const data: uPlot.AlignedData = [time, ...traces.map((t) => t.values)]
    const labels = traces.map((t) => t.label).join('\n')
    if (this.#plot && labels === this.#labels) {
      this.#plot.setData(data)
      return
    }
    this.#plot?.destroy()
    this.#labels = labels
    this.#plot = new uPlot(
      {
        ...this.#size(),
        scales: { x: { time: false } },
        axes: [{ label: 'time' }, { label: this.#yLabel }],
        series: [
          { label: 'time' },
          ...traces.map((t, k) => ({
            label: t.label,
            stroke: PALETTE[k % PALETTE.length] as string,
            width: 1.5,
          })),
        ],
      },
      data,
      this.#container,
    )
  }

  /** What is on the chart now, [time, ...traces]: the test hook reads this. */
  data(): number[][] {
    return (this.#plot?.data ?? []).map((column) => Array.from(column as ArrayLike<number>))
  }

  #size(): { width: number; height: number } {
    return { width: Math.max(320, this.#container.clientWidth), height: 220 }
  }
}
