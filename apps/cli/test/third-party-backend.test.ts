import { createLayer, registeredBackends, resolvePreference, tensor } from '@leaky/core'
import { describe, expect, it } from 'vitest'
import { leaky } from './run-cli.js'

// A package outside core declares `my-backend`; core has no list of names to edit.
const fixture = new URL('./fixtures/my-backend/index.js', import.meta.url)

describe('a third-party backend', () => {
  it('is chosen by name, by its device alias and by auto, once its package is imported', async () => {
    await import(fixture.href)
    expect(registeredBackends()).toContain('my-backend')
    const byName = await createLayer({ neurons: 2 }, { prefer: 'my-backend' })
    expect(byName.backend).toBe('my-backend')
    expect(resolvePreference('cpu')).toContain('my-backend')
    const byAuto = await createLayer({ neurons: 2 }, { prefer: 'auto', workload: { neurons: 2, steps: 10 } })
    expect(byAuto.backend).toBe('my-backend')
    const { voltages } = await byAuto.run(tensor([1, 1], [1, 2]))
    expect(Array.from(voltages.data)).toEqual([Math.fround(0.1), Math.fround(0.1)])
    await Promise.all([byName.dispose(), byAuto.dispose()])
  })
  it('joins the CLI through LEAKY_BACKENDS', () => {
    const r = leaky.withEnv({ LEAKY_BACKENDS: fixture.pathname })('backends', '--json')
    expect(r.code).toBe(0)
    const rows = (JSON.parse(r.stdout) as { backends: { name: string; available: boolean }[] }).backends
    expect(rows).toContainEqual({ name: 'my-backend', available: true, reason: null })
    const explain = leaky.withEnv({ LEAKY_BACKENDS: fixture.pathname })(
      'backends',
      '--explain',
      '--neurons',
      '1000',
      '--steps',
      '100',
    )
    expect(explain.stdout).toMatch(/auto picks my-backend/)
  })
})
