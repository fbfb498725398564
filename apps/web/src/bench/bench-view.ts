import { getBackend } from '@leaky/core'
import {
  type BackendStatus,
  backendStatuses,
  loadAllBackends,
  softwareWebgpuNote,
} from '../backends/backends.js'
import { h } from '../explorer/dom.js'
import { formatMs } from '../explorer/explorer.js'
import { drawBarChart } from './bar-chart.js'
import { type BenchRow, benchWorkload, prepareWorkload } from './run-workload.js'
import { isScaleName, SCALES, type ScaleName, scaledWorkloads } from './scale.js'

export type BenchState = 'idle' | 'running' | 'done' | 'cancelled'

const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A workload's size as the table shows it: T × B × N (× inputs when weighted). */
function sizeOf(w: {
  steps: number
  batch: number
  neurons: number
  inputs: number
  weighted: boolean
  mode: string
}): string {
  const parts = [w.mode === 'step' ? 'one step' : `T = ${w.steps.toLocaleString('en-US')}`]
  if (w.batch > 1) parts.push(`B = ${w.batch.toLocaleString('en-US')}`)
  parts.push(`N = ${w.neurons.toLocaleString('en-US')}`)
  if (w.weighted) parts.push(`${w.inputs.toLocaleString('en-US')} inputs`)
  return parts.join(', ')
}

/**
 * The benchmark page: every anchor workload, scaled to the browser, on every backend that can run
 * here; each backend is checked against core's simulate before it is timed. It loads and probes
 * every backend package when run, shows its progress, and can be cancelled.
 */
export class BenchView {
  readonly element: HTMLElement
  readonly #scale: HTMLSelectElement
  readonly #run: HTMLButtonElement
  readonly #cancel: HTMLButtonElement
  readonly #progress: HTMLProgressElement
  readonly #status: HTMLElement
  readonly #note: HTMLElement
  readonly #body: HTMLTableSectionElement
  readonly #chart: SVGSVGElement
  #rows: BenchRow[] = []
  #sizes = new Map<string, string>()
  #state: BenchState = 'idle'
  #done: Promise<BenchRow[]> = Promise.resolve([])
  #abort: AbortController | undefined

  constructor(scale: ScaleName) {
    this.#scale = h('select', { id: 'bench-scale' })
    for (const [name, s] of Object.entries(SCALES)) this.#scale.append(h('option', { value: name }, s.label))
    this.#scale.value = scale
    this.#run = h('button', { type: 'button', id: 'bench-run' }, 'Run benchmark')
    this.#run.addEventListener('click', () => void this.run())
    this.#cancel = h('button', { type: 'button', id: 'bench-cancel', disabled: true }, 'Cancel')
    this.#cancel.addEventListener('click', () => this.#abort?.abort())
    this.#progress = h('progress', {
      id: 'bench-progress',
      max: '1',
      value: '0',
      'aria-label': 'Benchmark progress',
    })
    this.#status = h('p', { id: 'bench-status', role: 'status' }, 'Not run yet.')
    this.#note = h('p', { id: 'bench-webgpu-note', class: 'hint warning', hidden: true })
    this.#body = h('tbody')
    this.#chart = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
    this.#chart.setAttribute('id', 'bench-chart')
    this.#chart.setAttribute('role', 'img')
    drawBarChart(this.#chart, [])
    const head = ['Workload', 'Size', 'Backend', 'Status', 'Error vs core', 'Median time', 'Neuron-steps/s']
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
      h('div', { class: 'actions' }, this.#run, this.#cancel, this.#progress),
      this.#status,
      this.#note,
      h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Bar chart' }, this.#chart),
      h(
        'div',
        { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Results table' },
        h(
          'table',
          { id: 'bench-table' },
          h('caption', {}, 'Results'),
          h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
          this.#body,
        ),
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
    const abort = new AbortController()
    this.#abort = abort
    this.#run.disabled = true
    this.#cancel.disabled = false
    this.#rows = []
    this.#render()
    const scale = SCALES[this.#scale.value as ScaleName]
    const workloads = scaledWorkloads(scale)
    this.#sizes = new Map(workloads.map((w) => [w.name, sizeOf(w)]))
    const started = performance.now()
    const elapsed = () => formatMs(performance.now() - started)
    let cancelled = false
    try {
      this.#status.textContent = 'Loading and checking the backends…'
      this.#progress.value = 0
      await loadAllBackends()
      const statuses: BackendStatus[] = await backendStatuses(() => true)
      void softwareWebgpuNote().then((note) => {
        this.#note.textContent = note ?? ''
        this.#note.hidden = note === undefined
      })
      const total = workloads.length * statuses.length
      for (const [k, w] of workloads.entries()) {
        abort.signal.throwIfAborted()
        const prepared = prepareWorkload(w)
        for (const { name, reason } of statuses) {
          abort.signal.throwIfAborted()
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
          // Progress is not announced (one live region, the status line, says the start and the end).
          this.#progress.value = this.#rows.length / total
          this.#progress.textContent = `${this.#rows.length} of ${total}`
          this.#status.textContent = `Running ${w.name} (workload ${k + 1} of ${workloads.length}) on ${name}; ${this.#rows.length} of ${total} done, ${elapsed()} so far…`
          await nextFrame()
          this.#rows.push(await benchWorkload(prepared, await getBackend(name as never), scale, abort.signal))
          this.#render()
          await nextFrame()
        }
      }
      this.#progress.value = 1
      const bad = this.#rows.filter((r) => r.status === 'mismatch' || r.status === 'failed').length
      this.#status.textContent = `Done in ${elapsed()}${bad ? `; ${bad} result(s) failed the check` : ''}.`
    } catch (error) {
      if (!abort.signal.aborted) throw error
      cancelled = true
      this.#status.textContent = `Cancelled after ${elapsed()}: ${this.#rows.length} result(s) shown.`
    } finally {
      this.#state = cancelled ? 'cancelled' : 'done'
      this.#run.disabled = false
      this.#cancel.disabled = true
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
          h('td', { class: 'size' }, this.#sizes.get(r.workload) ?? ''),
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

/** Seconds with sensible digits and unit: 42.0 µs, 3.10 ms, 1.25 s. */
export function formatSeconds(s: number): string {
  // Thresholds just below 1 ms and 1 s, so 999.96 µs reads 1.00 ms, never "1.00e+3 µs".
  if (s < 0.9995e-3) return `${(s * 1e6).toPrecision(3)} µs`
  if (s < 0.9995) return `${(s * 1e3).toPrecision(3)} ms`
  return `${s.toPrecision(3)} s`
}
