/**
 * Runs the latest request only: requests are debounced, one run at a time, and a request made during
 * a run starts once it ends. Parameter edits arrive faster than simulations finish; stale ones are
 * never worth computing.
 */
export class LatestOnly<T> {
  readonly #work: (request: T) => Promise<void>
  readonly #delayMs: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #latest: { value: T } | undefined
  #running = false
  #waiters: (() => void)[] = []

  constructor(work: (request: T) => Promise<void>, delayMs: number) {
    this.#work = work
    this.#delayMs = delayMs
  }

  /** Schedules `request` after the debounce delay (0: at the next turn of the event loop). */
  request(request: T, delayMs = this.#delayMs): void {
    this.#latest = { value: request }
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#pump()
    }, delayMs)
  }

  get idle(): boolean {
    return this.#timer === undefined && !this.#running && this.#latest === undefined
  }

  /** Resolves once nothing is scheduled or running. */
  settled(): Promise<void> {
    return this.idle ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve))
  }

  async #pump(): Promise<void> {
    if (this.#running) return // the running loop picks the latest request up
    this.#running = true
    while (this.#latest && this.#timer === undefined) {
      const { value } = this.#latest
      this.#latest = undefined
      // `work` reports its own errors; a throw here must not stop later requests.
      await this.#work(value).catch(() => undefined)
    }
    this.#running = false
    if (this.idle) for (const resolve of this.#waiters.splice(0)) resolve()
  }
}
