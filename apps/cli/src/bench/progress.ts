/**
 * Progress on stderr: a redrawn bar on a terminal, one plain line per task otherwise (logs, CI,
 * pipes), so stdout stays the table or the JSON.
 */
export class Progress {
  private done = 0
  constructor(
    private readonly total: number,
    private readonly tty = process.stderr.isTTY === true,
    private readonly write = (s: string) => process.stderr.write(s),
  ) {}

  /** Announces the task about to run. */
  start(label: string): void {
    const n = Math.min(this.done + 1, this.total)
    if (!this.tty) {
      this.write(`bench [${n}/${this.total}] ${label}\n`)
      return
    }
    const width = 24
    const filled = Math.round((this.done / Math.max(1, this.total)) * width)
    const columns = process.stderr.columns ?? 80
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${this.total} ${label}`
    this.write(`\r\x1b[2K${line.slice(0, columns - 1)}`)
  }

  finish(): void {
    this.done++
  }

  /** Clears the bar (a terminal) before the results are printed. */
  end(): void {
    if (this.tty) this.write('\r\x1b[2K')
  }
}
