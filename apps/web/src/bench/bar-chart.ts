import type { BenchRow } from './run-workload.js'

const SVG = 'http://www.w3.org/2000/svg'
const COLOURS: Record<string, string> = { js: '#1f77b4', 'web-wasm': '#ff7f0e', 'web-webgpu': '#2ca02c' }

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
) {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  if (text !== undefined) el.textContent = text
  return el
}

/**
 * Horizontal bars of neuron-steps per second, one group per workload, one bar per backend, on a
 * log scale: the backends differ by orders of magnitude. The table beside it holds the same
 * numbers for screen readers, so the chart is one labelled image.
 */
export function drawBarChart(target: SVGSVGElement, rows: readonly BenchRow[]): void {
  const timed = rows.filter((r) => r.status === 'ok' && r.neuronStepsPerSecond !== undefined)
  target.replaceChildren()
  const rowHeight = 18
  const labelWidth = 180
  const width = 720
  const values = timed.map((r) => Math.log10(r.neuronStepsPerSecond as number))
  const lo = Math.floor(Math.min(...values, 6)) - 1
  const hi = Math.ceil(Math.max(...values, 7))
  const x = (v: number) => labelWidth + ((v - lo) / (hi - lo)) * (width - labelWidth - 90)
  let y = 20
  for (let decade = lo; decade <= hi; decade++) {
    target.append(
      svg('line', {
        x1: x(decade),
        x2: x(decade),
        y1: 14,
        y2: 14 + timed.length * rowHeight + 30,
        class: 'grid',
      }),
    )
    target.append(svg('text', { x: x(decade), y: 10, 'text-anchor': 'middle', class: 'tick' }, `1e${decade}`))
  }
  let previous = ''
  for (const r of timed) {
    if (r.workload !== previous) y += 6
    const v = Math.log10(r.neuronStepsPerSecond as number)
    const label = r.workload === previous ? r.backend : `${r.workload}  ${r.backend}`
    previous = r.workload
    target.append(svg('text', { x: labelWidth - 6, y: y + 13, 'text-anchor': 'end' }, label))
    target.append(
      svg('rect', {
        x: labelWidth,
        y: y + 2,
        width: Math.max(1, x(v) - labelWidth),
        height: rowHeight - 4,
        fill: COLOURS[r.backend] ?? '#777',
      }),
    )
    target.append(
      svg(
        'text',
        { x: x(v) + 4, y: y + 13, class: 'value' },
        (r.neuronStepsPerSecond as number).toExponential(2),
      ),
    )
    y += rowHeight
  }
  target.setAttribute('viewBox', `0 0 ${width} ${y + 10}`)
  target.setAttribute('height', String(y + 10))
  // Drawn at its own size (11 px text); on a narrow screen its box scrolls, it never shrinks.
  target.setAttribute('width', String(width))
  target.setAttribute(
    'aria-label',
    timed.length
      ? `Bar chart of neuron-steps per second (log scale) for ${timed.length} workload and backend pairs; the table below has the numbers`
      : 'Bar chart: no results yet',
  )
}
