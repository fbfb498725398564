import type { Tensor } from '@leaky/core'

/**
 * The input [T, N] as a heatmap, time across and neurons down: positive current blue, negative
 * red, strength by |x| over the largest |x|. One pixel per cell, scaled up without smoothing, so
 * Poisson spikes stay sharp dots.
 */
const POSITIVE = [31, 119, 180] as const
const NEGATIVE = [214, 39, 40] as const

export function drawInputRaster(canvas: HTMLCanvasElement, input: Tensor): void {
  const [T = 0, N = 0] = input.shape
  let scale = 0
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const x of input.data) {
    scale = Math.max(scale, Math.abs(x))
    lo = Math.min(lo, x)
    hi = Math.max(hi, x)
  }
  const image = new ImageData(Math.max(1, T), Math.max(1, N))
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      const x = input.data[t * N + n] as number
      const s = scale > 0 ? Math.abs(x) / scale : 0
      const p = 4 * (n * T + t)
      // Fade from white to the sign's colour.
      const colour = x < 0 ? NEGATIVE : POSITIVE
      for (let c = 0; c < 3; c++) image.data[p + c] = Math.round(255 - s * (255 - (colour[c] as number)))
      image.data[p + 3] = 255
    }
  }
  const offscreen = document.createElement('canvas')
  offscreen.width = image.width
  offscreen.height = image.height
  offscreen.getContext('2d')?.putImageData(image, 0, 0)
  canvas.width = Math.max(320, canvas.clientWidth || 640)
  canvas.height = Math.min(240, Math.max(60, 4 * N))
  const ctx = canvas.getContext('2d')
  if (!ctx) return
  ctx.imageSmoothingEnabled = false
  ctx.clearRect(0, 0, canvas.width, canvas.height)
  ctx.drawImage(offscreen, 0, 0, canvas.width, canvas.height)
  const range = T * N > 0 ? `from ${lo.toPrecision(3)} to ${hi.toPrecision(3)}` : 'empty'
  canvas.setAttribute(
    'aria-label',
    `Input current heatmap: ${T} steps across, ${N} neurons down, values ${range}`,
  )
}
