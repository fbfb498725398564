import { describe, expect, it } from 'vitest'
import { nextDt } from './controls.js'

describe("dt's arrow keys", () => {
  it('step 1, 2, 5 × 10^k up and down', () => {
    expect(nextDt(0.001, true)).toBe(0.002)
    expect(nextDt(0.002, true)).toBe(0.005)
    expect(nextDt(0.005, true)).toBe(0.01)
    expect(nextDt(0.01, false)).toBe(0.005)
    expect(nextDt(0.001, false)).toBe(0.0005)
    expect(nextDt(0.1, true)).toBe(0.2)
  })

  it('from a value off the ladder, go to the next rung', () => {
    expect(nextDt(0.003, true)).toBe(0.005)
    expect(nextDt(0.003, false)).toBe(0.002)
  })
})
