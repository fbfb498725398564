/**
 * Runs the latest request only: requests are debounced, one run at a time, a request made during a
 * run aborts that run (its signal) and starts once it ends. Edits arrive faster than simulations
 * finish; stale ones are never worth finishing.
 */
export class LatestOnly<T> {
  readonly #work: (request: T, signal: AbortSignal) => Promise<void>
  readonly #delayMs: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #latest: { value: T } | undefined
  #running: AbortController | undefined
  #waiters: (() => void)[] = []

  constructor(work: (request: T, signal: AbortSignal) => Promise<void>, delayMs: number) {
    this.#work = work
    this.#delayMs = delayMs
  }

  /** Schedules `request` after the debounce delay (0: at the next turn of the event loop). */
  request(request: T, delayMs = this.#delayMs): void {
    this.#latest = { value: request }
    this.#running?.abort()
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#pump()
    }, delayMs)
  }

  /** Aborts the running request, if any (Cancel). */
  cancel(): void {
    this.#running?.abort()
  }

  get idle(): boolean {
    return this.#timer === undefined && this.#running === undefined && this.#latest === undefined
  }

  /** Resolves once nothing is scheduled or running. */
  settled(): Promise<void> {
    return this.idle ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve))
  }

  async #pump(): Promise<void> {
    if (this.#running) return // the running loop picks the latest request up
    while (this.#latest && this.#timer === undefined) {
      const { value } = this.#latest
      this.#latest = undefined
      const controller = new AbortController()
      this.#running = controller
      // `work` reports its own errors; a throw here must not stop later requests.
      await this.#work(value, controller.signal).catch(() => undefined)
      this.#running = undefined
    }
    if (this.idle) for (const resolve of this.#waiters.splice(0)) resolve()
  }
}
