/**
 * v, i and the input of a simulation as files a scientist opens elsewhere: CSV (a time column, then
 * one column a neuron) and NumPy .npy (float32 [T, N], the numbers exactly as computed).
 */
export interface ArrayExport {
  /** [T, N] row-major. */
  readonly data: Float32Array
  readonly steps: number
  readonly neurons: number
  readonly dt: number
  readonly unit: string
}

export function toCsv({ data, steps, neurons, dt, unit }: ArrayExport): string {
  const header = [`time_${unit}`, ...Array.from({ length: neurons }, (_, n) => `neuron_${n}`)].join(',')
  const lines = [header]
  for (let t = 0; t < steps; t++) {
    const row = [String(Number(((t + 1) * dt).toPrecision(12)))]
    // float32 → the shortest decimal that reads back as the same float32 (Math.fround round-trips).
    for (let n = 0; n < neurons; n++) row.push(shortestFloat32(data[t * neurons + n] as number))
    lines.push(row.join(','))
  }
  return `${lines.join('\n')}\n`
}

function shortestFloat32(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'
  for (let digits = 1; digits < 10; digits++) {
    const text = x.toPrecision(digits)
    if (Math.fround(Number(text)) === x) return String(Number(text))
  }
  return String(x)
}

export async function toNpy({ data, steps, neurons }: ArrayExport): Promise<Uint8Array> {
  // Loaded when asked for: the explorer's first paint does not carry @leaky/interop.
  const { writeNpy } = await import('@leaky/interop')
  return writeNpy({ data, shape: [steps, neurons] })
}
