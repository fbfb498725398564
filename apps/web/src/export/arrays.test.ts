import { describe, expect, it } from 'vitest'
import { toCsv } from './arrays.js'

describe('CSV export', () => {
  it('writes a time column and a column per neuron, each value reading back as the same float32', () => {
    const data = Float32Array.from([0.1, -2, 1 / 3, Number.NaN])
    const csv = toCsv({ data, steps: 2, neurons: 2, dt: 0.001, unit: 's' })
    const [header, ...rows] = csv.trim().split('\n')
    expect(header).toBe('time_s,neuron_0,neuron_1')
    expect(rows.map((r) => r.split(',')[0])).toEqual(['0.001', '0.002'])
    const values = rows.flatMap((r) => r.split(',').slice(1))
    expect(values[3]).toBe('nan')
    expect(values.slice(0, 3).map((v) => Math.fround(Number(v)))).toEqual(Array.from(data.subarray(0, 3)))
  })
})
