import { describe, expect, it } from 'vitest'
import { LatestOnly } from './latest-only.js'

describe('LatestOnly', () => {
  it('debounces to the latest request and settles after it', async () => {
    const done: number[] = []
    const runner = new LatestOnly<number>(async (n) => {
      await new Promise((r) => setTimeout(r, 5))
      done.push(n)
    }, 10)
    expect(runner.idle).toBe(true)
    runner.request(1)
    runner.request(2)
    expect(runner.idle).toBe(false)
    await runner.settled()
    expect(done).toEqual([2])
  })

  it('runs a request made during a run after it, and only the newest', async () => {
    const done: number[] = []
    let release: () => void = () => undefined
    const runner = new LatestOnly<number>(async (n) => {
      if (n === 1) await new Promise<void>((r) => (release = r))
      done.push(n)
    }, 0)
    runner.request(1)
    await new Promise((r) => setTimeout(r, 5)) // 1 is running now
    runner.request(2)
    runner.request(3)
    await new Promise((r) => setTimeout(r, 5))
    release()
    await runner.settled()
    expect(done).toEqual([1, 3])
  })

  it('aborts the running request when a newer one comes, and on cancel()', async () => {
    const seen: { n: number; aborted: boolean }[] = []
    const runner = new LatestOnly<number>(async (n, signal) => {
      await new Promise((r) => setTimeout(r, 20))
      seen.push({ n, aborted: signal.aborted })
    }, 0)
    runner.request(1)
    await new Promise((r) => setTimeout(r, 5))
    runner.request(2)
    await runner.settled()
    expect(seen).toEqual([
      { n: 1, aborted: true },
      { n: 2, aborted: false },
    ])
    runner.request(3)
    await new Promise((r) => setTimeout(r, 5))
    runner.cancel()
    await runner.settled()
    expect(seen.at(-1)).toEqual({ n: 3, aborted: true })
  })

  it('keeps going after a failed run', async () => {
    const done: number[] = []
    const runner = new LatestOnly<number>(async (n) => {
      if (n === 1) throw new Error('boom')
      done.push(n)
    }, 0)
    runner.request(1)
    await runner.settled()
    runner.request(2)
    await runner.settled()
    expect(done).toEqual([2])
  })
})
