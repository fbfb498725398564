import { type BackendName, getBackend } from '@leaky/core'
import type { BackendStatus } from '../backends/backends.js'
import { h } from '../explorer/dom.js'
import { drawBarChart } from './bar-chart.js'
import { type BenchRow, benchWorkload, prepareWorkload } from './run-workload.js'
import { isScaleName, SCALES, type ScaleName, scaledWorkloads } from './scale.js'

export type BenchState = 'idle' | 'running' | 'done'

const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * The benchmark page: every anchor workload, scaled to the browser, on every backend that can run
 * here; each backend is checked against core's simulate before it is timed.
 */
export class BenchView {
  readonly element: HTMLElement
  readonly #statuses: readonly BackendStatus[]
  readonly #scale: HTMLSelectElement
  readonly #run: HTMLButtonElement
  readonly #status: HTMLElement
  readonly #body: HTMLTableSectionElement
  readonly #chart: SVGSVGElement
  #rows: BenchRow[] = []
  #state: BenchState = 'idle'
  #done: Promise<BenchRow[]> = Promise.resolve([])

  constructor(statuses: readonly BackendStatus[], scale: ScaleName) {
    this.#statuses = statuses
    this.#scale = h('select', { id: 'bench-scale' })
    for (const [name, s] of Object.entries(SCALES)) this.#scale.append(h('option', { value: name }, s.label))
    this.#scale.value = scale
    this.#run = h('button', { type: 'button', id: 'bench-run' }, 'Run benchmark')
    this.#run.addEventListener('click', () => void this.run())
    this.#status = h('p', { id: 'bench-status', role: 'status', 'aria-live': 'polite' }, 'Not run yet.')
    this.#body = h('tbody')
    this.#chart = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
    this.#chart.setAttribute('id', 'bench-chart')
    this.#chart.setAttribute('role', 'img')
    drawBarChart(this.#chart, [])
    const head = ['Workload', 'Backend', 'Status', 'Error vs core', 'Median time', 'Neuron-steps/s']
    this.element = h(
      'section',
      { id: 'bench', 'aria-labelledby': 'bench-title' },
      h('h2', { id: 'bench-title' }, 'Benchmark'),
      h(
        'p',
        {},
        'The anchor workloads of benchmarks/ (same names as Norse’s figures), scaled down to fit a browser tab. ',
        'Each backend’s output is first compared with @leaky/core’s simulate; only a match is timed.',
      ),
      h('div', { class: 'field' }, h('label', { for: 'bench-scale' }, 'Size'), this.#scale),
      this.#run,
      this.#status,
      this.#chart,
      h(
        'table',
        { id: 'bench-table' },
        h('caption', {}, 'Results'),
        h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
        this.#body,
      ),
    )
  }

  get state(): BenchState {
    return this.#state
  }

  get rows(): readonly BenchRow[] {
    return this.#rows
  }

  /** Resolves with the rows once the current (or last) run ends. */
  settled(): Promise<BenchRow[]> {
    return this.#done
  }

  setScale(scale: string): void {
    if (isScaleName(scale)) this.#scale.value = scale
  }

  run(): Promise<BenchRow[]> {
    if (this.#state === 'running') return this.#done
    this.#done = this.#runAll()
    return this.#done
  }

  async #runAll(): Promise<BenchRow[]> {
    this.#state = 'running'
    this.#run.disabled = true
    this.#rows = []
    this.#render()
    const scale = SCALES[this.#scale.value as ScaleName]
    const workloads = scaledWorkloads(scale)
    const started = performance.now()
    try {
      for (const [k, w] of workloads.entries()) {
        this.#status.textContent = `Running ${w.name} (${k + 1} of ${workloads.length})…`
        await nextFrame()
        const prepared = prepareWorkload(w)
        for (const { name, reason } of this.#statuses) {
          if (reason !== undefined) {
            this.#rows.push({
              workload: w.name,
              description: w.description,
              backend: name,
              status: 'skipped',
              detail: reason,
            })
            continue
          }
          this.#rows.push(await benchWorkload(prepared, await getBackend(name as BackendName), scale))
          this.#render()
          await nextFrame()
        }
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      const bad = this.#rows.filter((r) => r.status === 'mismatch' || r.status === 'failed').length
      this.#status.textContent = `Done in ${seconds} s${bad ? `; ${bad} result(s) failed the check` : ''}.`
    } finally {
      this.#state = 'done'
      this.#run.disabled = false
      this.#render()
    }
    return this.#rows
  }

  #render(): void {
    this.#body.replaceChildren(
      ...this.#rows.map((r) =>
        h(
          'tr',
          { class: r.status },
          h('th', { scope: 'row', title: r.description }, r.workload),
          h('td', {}, r.backend),
          h('td', {}, r.detail ? `${r.status}: ${r.detail}` : r.status),
          h('td', {}, r.error === undefined ? '' : r.error.toExponential(1)),
          h('td', {}, r.seconds === undefined ? '' : formatSeconds(r.seconds)),
          h('td', {}, r.neuronStepsPerSecond === undefined ? '' : r.neuronStepsPerSecond.toExponential(2)),
        ),
      ),
    )
    drawBarChart(this.#chart, this.#rows)
  }
}

function formatSeconds(s: number): string {
  return s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : `${(s * 1e3).toFixed(2)} ms`
}
