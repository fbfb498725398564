/**
 * The time range the plots show, shared by v, i and the heatmap: zooming one zooms all, and the
 * range is kept when the setup is simulated again. undefined: the whole run.
 */
export type TimeRange = readonly [min: number, max: number]

export class ZoomLink {
  #range: TimeRange | undefined
  readonly #listeners = new Set<(range: TimeRange | undefined) => void>()

  get range(): TimeRange | undefined {
    return this.#range
  }

  set(range: TimeRange | undefined, from?: (range: TimeRange | undefined) => void): void {
    const same =
      range === this.#range ||
      (range && this.#range && range[0] === this.#range[0] && range[1] === this.#range[1])
    if (same) return
    this.#range = range
    for (const listener of this.#listeners) if (listener !== from) listener(range)
  }

  listen(listener: (range: TimeRange | undefined) => void): void {
    this.#listeners.add(listener)
  }
}
