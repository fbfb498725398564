import type { Explorer } from '../explorer/explorer.js'
import type { ExplorerSnapshot } from './test-hook.js'

/** The explorer's last simulation as plain arrays (copies: a test can never change the page's state). */
export function snapshotOf(explorer: Explorer): ExplorerSnapshot | undefined {
  const sim = explorer.last
  if (!sim && !explorer.error) return undefined
  return {
    setup: sim?.setup ?? explorer.setup,
    backend: sim?.backend,
    error: explorer.error,
    warnings: sim?.warnings ?? [],
    runMs: sim?.runMs,
    voltages: sim ? Array.from(sim.voltages) : [],
    currents: sim ? Array.from(sim.currents) : [],
    plotted: { neurons: sim?.setup.plot ?? [], ...explorer.plotted() },
    view: explorer.view(),
    timing: explorer.timing,
  }
}
