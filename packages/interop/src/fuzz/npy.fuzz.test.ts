import { readFileSync } from 'node:fs'
import { FormatError, LeakyError } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { readNpy } from '../npy/npy.js'
import { memorySource, openNpy } from '../npy/stream.js'
import { mutate, rng } from './mutate.js'

const fixtures = new URL('../../fixtures/npy/', import.meta.url)
const SEEDS = ['f32_3x4.npy', 'f64_2x3.npy', 'f32_3x4_v2.npy', 'ff_random_input_voltages.npy']

describe('.npy fuzz: damaged files give a FormatError (or still read), never anything else', () => {
  it.each(SEEDS)('%s: 300 seeded mutations through readNpy and openNpy', async (name) => {
    const good = new Uint8Array(readFileSync(new URL(name, fixtures)))
    const random = rng(name.length * 7919)
    const outcomes = { read: 0, format: 0 }
    for (let k = 0; k < 300; k++) {
      const { bytes, how } = mutate(good, random)
      for (const read of [
        async () => readNpy(bytes),
        async () => {
          const s = await openNpy(memorySource(bytes))
          return s.readSteps(0, s.steps)
        },
      ]) {
        try {
          const t = await read()
          expect(t.data.length, how).toBe(t.shape.reduce((a, b) => a * b, 1))
          outcomes.read++
        } catch (error) {
          // A 0-d array cannot be streamed: a ShapeError, also typed. Everything else must be a FormatError.
          if (!(error instanceof FormatError) && !(error instanceof LeakyError && error.code === 'E_SHAPE')) {
            throw new Error(`mutation ${k} (${how}) threw ${String(error)}`)
          }
          outcomes.format++
        }
      }
    }
    // Both outcomes happen: damaged data bytes still make a valid file, damaged headers do not.
    expect(outcomes.format).toBeGreaterThan(100)
  })
})
