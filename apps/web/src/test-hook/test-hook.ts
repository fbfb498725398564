import type { BenchRow } from '../bench/run-workload.js'
import type { Explorer, PaintTiming } from '../explorer/explorer.js'
import type { Setup } from '../setup/setup.js'

/** What a test may read about the explorer's last simulation: numbers, not pixels. */
export interface ExplorerSnapshot {
  readonly setup: Setup
  readonly backend: string | undefined
  readonly error: string | undefined
  readonly warnings: readonly string[]
  readonly runMs: number | undefined
  /** v and i after every step, [T, N] row-major, as plain arrays. */
  readonly voltages: number[]
  readonly currents: number[]
  /** What the charts show: [time, ...one series per plotted neuron], read back from uPlot. */
  readonly plotted: {
    readonly neurons: readonly number[]
    readonly v: (number | null)[][]
    readonly i: (number | null)[][]
  }
  /** Axis labels, x ranges of both charts and the shared zoom. */
  readonly view: ReturnType<Explorer['view']>
  readonly timing: PaintTiming | undefined
}

/**
 * `window.__leaky`: the page's test hook. Everything in it is plain data or a promise of plain data,
 * so it crosses playwright's `page.evaluate` as is.
 */
export interface LeakyTestHook {
  /** The setup the controls hold now. */
  setup(): Setup
  /** Completed explorer simulations (failed ones included): lets a test wait for "one more". */
  runs(): number
  /** Resolves when no explorer simulation is scheduled or running, with the snapshot of the last. */
  settled(): Promise<ExplorerSnapshot | undefined>
  snapshot(): ExplorerSnapshot | undefined
  /** How long the last simulation took from the committed change to the painted plot. */
  timing(): PaintTiming | undefined
  readonly bench: {
    state(): 'idle' | 'running' | 'done' | 'cancelled'
    rows(): readonly BenchRow[]
    /** Resolves with the rows once the current (or last) benchmark run ends. */
    settled(): Promise<readonly BenchRow[]>
  }
}

declare global {
  interface Window {
    __leaky?: LeakyTestHook
  }
}

export function installTestHook(hook: LeakyTestHook): void {
  window.__leaky = hook
}
