import type { Tensor } from '@leaky/core'
import { h } from './dom.js'
import type { TimeRange, ZoomLink } from './zoom-link.js'

/** Positive current fades from white to blue, negative to red, by |x| over the largest |x|. */
const POSITIVE = [31, 119, 180] as const
const NEGATIVE = [214, 39, 40] as const
const MARGIN = { left: 52, right: 72, top: 8, bottom: 34 }
const FONT = '12px system-ui, sans-serif'

function colour(x: number, scale: number): [number, number, number] {
  const s = scale > 0 ? Math.min(1, Math.abs(x) / scale) : 0
  const c = x < 0 ? NEGATIVE : POSITIVE
  return [0, 1, 2].map((k) => Math.round(255 - s * (255 - (c[k] as number)))) as [number, number, number]
}

/** Round tick values: 1, 2 or 5 times a power of ten, about `count` of them over [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)))
  return out
}

/**
 * The input [T, N] as a heatmap, time across and neurons down, with a time axis (in the setup's
 * unit), a neuron axis, a colour scale, and a readout of the cell under the pointer. It shows the
 * time range of the shared zoom. One pixel per cell, scaled up without smoothing, so Poisson spikes
 * stay sharp dots.
 */
export class InputHeatmap {
  readonly element: HTMLElement
  readonly canvas: HTMLCanvasElement
  readonly #readout: HTMLElement
  readonly #zoom: ZoomLink
  #input: Tensor | undefined
  #dt = 1
  #unit = 's'

  constructor(zoom: ZoomLink) {
    this.#zoom = zoom
    this.canvas = h('canvas', { id: 'input-raster', role: 'img', 'aria-label': 'Input current heatmap' })
    // A plain paragraph, not an <output> (a live region): hovering must not flood a screen reader.
    this.#readout = h('p', { id: 'raster-readout' }, 'Point at the heatmap to read a value.')
    this.element = h('div', { class: 'heatmap' }, this.canvas, this.#readout)
    this.canvas.addEventListener('pointermove', (event) => this.#hover(event))
    this.canvas.addEventListener('pointerleave', () => {
      this.#readout.textContent = 'Point at the heatmap to read a value.'
    })
    zoom.listen(() => this.#draw())
    // Redraw on a new width only: the canvas's own height change must not draw it twice.
    let width = 0
    new ResizeObserver(() => {
      if (this.element.clientWidth !== width) {
        width = this.element.clientWidth
        this.#draw()
      }
    }).observe(this.element)
  }

  show(input: Tensor, dt: number, unit: string): void {
    this.#input = input
    this.#dt = dt
    this.#unit = unit
    this.#draw()
  }

  /** Steps [first, last] inside the zoomed time range (time of step t is (t + 1)·dt). */
  #window(): [number, number] {
    const T = this.#input?.shape[0] ?? 1
    const range: TimeRange | undefined = this.#zoom.range
    if (!range) return [0, T - 1]
    const first = Math.max(0, Math.ceil(range[0] / this.#dt - 1))
    const last = Math.min(T - 1, Math.floor(range[1] / this.#dt - 1))
    return last >= first ? [first, last] : [0, T - 1]
  }

  #draw(): void {
    const input = this.#input
    if (!input) return
    const [T = 0, N = 0] = input.shape
    const [first, last] = this.#window()
    const span = last - first + 1
    let scale = 0
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const x of input.data) {
      if (!Number.isFinite(x)) continue
      scale = Math.max(scale, Math.abs(x))
      lo = Math.min(lo, x)
      hi = Math.max(hi, x)
    }
    const image = new ImageData(Math.max(1, span), Math.max(1, N))
    // 256 shades a sign, looked up: a million cells paint in a few ms.
    const shades = new Uint8ClampedArray(2 * 256 * 3)
    for (let k = 0; k < 256; k++) {
      shades.set(colour((k / 255) * scale, scale), 3 * k)
      shades.set(colour((-k / 255) * scale, scale), 3 * (256 + k))
    }
    const pixels = image.data
    for (let t = first; t <= last; t++) {
      for (let n = 0; n < N; n++) {
        const x = input.data[t * N + n] as number
        const level = scale > 0 ? Math.round(Math.min(1, Math.abs(x) / scale) * 255) : 0
        const q = 3 * ((x < 0 ? 256 : 0) + level)
        const p = 4 * (n * span + (t - first))
        pixels[p] = shades[q] as number
        pixels[p + 1] = shades[q + 1] as number
        pixels[p + 2] = shades[q + 2] as number
        pixels[p + 3] = 255
      }
    }
    const offscreen = document.createElement('canvas')
    offscreen.width = image.width
    offscreen.height = image.height
    offscreen.getContext('2d')?.putImageData(image, 0, 0)
    const ratio = window.devicePixelRatio || 1
    const width = Math.max(200, this.element.clientWidth || 640)
    const plotH = Math.min(240, Math.max(60, 4 * N))
    const height = plotH + MARGIN.top + MARGIN.bottom
    this.canvas.style.height = `${height}px`
    this.canvas.width = Math.round(width * ratio)
    this.canvas.height = Math.round(height * ratio)
    const ctx = this.canvas.getContext('2d')
    if (!ctx) return
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, width, height)
    const plotW = width - MARGIN.left - MARGIN.right
    ctx.imageSmoothingEnabled = false
    ctx.drawImage(offscreen, MARGIN.left, MARGIN.top, plotW, plotH)
    ctx.strokeStyle = '#888'
    ctx.strokeRect(MARGIN.left, MARGIN.top, plotW, plotH)
    ctx.fillStyle = '#333'
    ctx.font = FONT
    // Time axis: step t covers [t·dt, (t + 1)·dt]; its value is plotted at (t + 1)·dt as in v(t).
    const tMin = first * this.#dt
    const tMax = (last + 1) * this.#dt
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    for (const v of ticks(tMin, tMax, Math.max(2, Math.floor(plotW / 90)))) {
      const x = MARGIN.left + ((v - tMin) / (tMax - tMin)) * plotW
      ctx.fillRect(x, MARGIN.top + plotH, 1, 4)
      ctx.fillText(String(v), x, MARGIN.top + plotH + 5)
    }
    ctx.fillText(`time (${this.#unit})`, MARGIN.left + plotW / 2, MARGIN.top + plotH + 19)
    // Neuron axis, 0 at the top.
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    for (const n of ticks(0, N - 1, Math.max(1, Math.floor(plotH / 40))).filter(Number.isInteger)) {
      const y = MARGIN.top + ((n + 0.5) / N) * plotH
      ctx.fillRect(MARGIN.left - 4, y, 4, 1)
      ctx.fillText(String(n), MARGIN.left - 6, y)
    }
    ctx.save()
    ctx.translate(12, MARGIN.top + plotH / 2)
    ctx.rotate(-Math.PI / 2)
    ctx.textAlign = 'center'
    ctx.fillText('neuron', 0, 0)
    ctx.restore()
    // Colour scale: from −max|x| (only if there is negative input) to +max|x|.
    const barX = MARGIN.left + plotW + 14
    const barW = 12
    const bottom = lo < 0 ? -scale : 0
    for (let y = 0; y < plotH; y++) {
      const value = scale - (y / (plotH - 1)) * (scale - bottom)
      ctx.fillStyle = `rgb(${colour(value, scale).join(',')})`
      ctx.fillRect(barX, MARGIN.top + y, barW, 1)
    }
    ctx.strokeStyle = '#888'
    ctx.strokeRect(barX, MARGIN.top, barW, plotH)
    ctx.fillStyle = '#333'
    ctx.textAlign = 'left'
    ctx.textBaseline = 'top'
    ctx.fillText(fmt(scale), barX + barW + 3, MARGIN.top)
    ctx.textBaseline = 'bottom'
    ctx.fillText(fmt(bottom), barX + barW + 3, MARGIN.top + plotH)
    const range = T * N > 0 ? `from ${fmt(lo)} to ${fmt(hi)}` : 'empty'
    this.canvas.setAttribute(
      'aria-label',
      `Input current heatmap: time ${fmt(tMin)} to ${fmt(tMax)} ${this.#unit} across (steps ${first} to ${last}), neurons 0 to ${N - 1} down, values ${range}; colour scale ${fmt(bottom)} to ${fmt(scale)}`,
    )
  }

  #hover(event: PointerEvent): void {
    const input = this.#input
    if (!input) return
    const [, N = 0] = input.shape
    const [first, last] = this.#window()
    const box = this.canvas.getBoundingClientRect()
    const plotW = box.width - MARGIN.left - MARGIN.right
    const plotH = box.height - MARGIN.top - MARGIN.bottom
    const fx = (event.clientX - box.left - MARGIN.left) / plotW
    const fy = (event.clientY - box.top - MARGIN.top) / plotH
    if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) return
    const t = first + Math.floor(fx * (last - first + 1))
    const n = Math.floor(fy * N)
    const x = input.data[t * N + n] as number
    this.#readout.textContent = `step ${t} (t = ${fmt((t + 1) * this.#dt)} ${this.#unit}), neuron ${n}: input ${fmt(x)}`
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x))
