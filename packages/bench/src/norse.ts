import anchors from './norse-anchor-timings.json' with { type: 'json' }
import type { Workload } from './workloads.js'

/** Norse's own figures (shared/anchors), measured on another machine: shown beside ours, never as ours. */
export interface NorseFigure {
  readonly device: string
  readonly threads: number | null
  /** Neuron-steps per second, or for step latency the seconds per step. */
  readonly neuronStepsPerSecond?: number
  readonly secondsPerStep?: number
}

type AnchorRow = (typeof anchors.results)[number] & { B?: number; in?: number; out?: number; N?: number }

/** The machine Norse's figures were measured on (not this one). */
export const NORSE_MACHINE = `${anchors.cpu} CPU (16 cores) and ${anchors.gpu}, torch ${anchors.torch}`

/** Norse's own figures for a workload of the same shape, if it was measured. */
export function norseFigures(w: Workload): NorseFigure[] {
  return (anchors.results as AnchorRow[])
    .filter((r) => {
      if (w.mode === 'step') return r.workload === 'step_latency' && r.N === w.neurons
      if (w.weighted)
        return r.workload === 'weighted_sequence' && r.B === w.batch && r.out === w.neurons && r.T === w.steps
      // Norse's GPU row for N=1e6 uses T=1000 where the CPU rows use T=200: match on N only.
      return r.workload === 'ff_sequence' && r.N === w.neurons
    })
    .map((r) => ({
      device: r.device,
      threads: r.threads,
      ...('neuron_steps_per_s' in r ? { neuronStepsPerSecond: r.neuron_steps_per_s as number } : {}),
      ...('seconds_per_step' in r ? { secondsPerStep: r.seconds_per_step as number } : {}),
    }))
}
