/**
 * The memory-traffic model (@leaky/onnx) beside what `leaky bench` measured on GPU backends: the
 * bytes a neuron-step the backend's graph moves, the bandwidth its measured rate implies, and the
 * rate the model predicts at an H200's HBM bandwidth (4.8 TB/s), for scale.
 */
import { makeWorkload, type Workload } from '@leaky/bench'
import { resolveSpec } from '@leaky/core'
import { chooseGpuGraph, fusedKernelBytes, layerTraffic } from '@leaky/onnx'
import type { ResultRow } from './report.js'

/** An H200's HBM3e bandwidth, bytes/s. */
export const H200_BANDWIDTH = 4.8e12

const isGpu = (backend: string) => /webgpu|cuda/.test(backend)

/** Bytes a neuron-step and what moves them, for a GPU backend on a workload. */
function modelled(backend: string, w: Workload): { bytes: number; graph: string } {
  if (backend === 'webgpu-wgsl')
    return {
      bytes: fusedKernelBytes(w),
      graph: `fused WGSL ${w.weighted ? 'matmul + ' : ''}${w.mode === 'step' ? 'step' : 'pass'}`,
    }
  // The graph traffic depends on T and batch, not on N: model a copy of the workload with N ≤ 1e4.
  const scale = w.weighted
    ? w
    : { ...w, neurons: Math.min(w.neurons, 10_000), inputs: Math.min(w.inputs, 10_000) }
  const spec = resolveSpec(makeWorkload({ ...scale, steps: 1, batch: 1 }).spec)
  const batch = w.batch > 1 ? [w.batch] : []
  if (w.mode === 'step') {
    const t = layerTraffic(spec, 'step', { steps: 1, batch })
    return { bytes: t.bytesPerNeuronStep, graph: 'ONNX step graph' }
  }
  const choice = chooseGpuGraph(spec, { steps: w.steps, batch })
  const best = choice.candidates[0]
  return { bytes: best?.bytesPerNeuronStep ?? Number.NaN, graph: `ONNX ${choice.graph} graph` }
}

/** One line per correct GPU result: model bytes, implied bandwidth, the rate at H200 bandwidth. */
export function trafficLines(workloads: readonly Workload[], results: readonly ResultRow[]): string[] {
  const lines: string[] = []
  for (const r of results) {
    const w = workloads.find((k) => k.name === r.workload)
    if (!w || !isGpu(r.backend) || r.neuronStepsPerSecond === null) continue
    try {
      const { bytes, graph } = modelled(r.backend, w)
      const implied = r.neuronStepsPerSecond * bytes
      lines.push(
        `${r.workload} on ${r.backend}: ${graph}, ${bytes.toFixed(1)} B/neuron-step (traffic model) → ` +
          `measured ${r.neuronStepsPerSecond.toExponential(2)} neuron-steps/s = ${(implied / 1e9).toPrecision(3)} GB/s moved; ` +
          `at ${H200_BANDWIDTH / 1e12} TB/s it would be ${(H200_BANDWIDTH / bytes).toExponential(1)}`,
      )
    } catch (error) {
      lines.push(`${r.workload} on ${r.backend}: no traffic model (${(error as Error).message})`)
    }
  }
  return lines
}
