import { describe, expect, it } from 'vitest'
import { importBackendPackage, loadBackends, packageProblems } from './backends.js'

describe('loadBackends', () => {
  it('skips a backend package that is not installed, and keeps why', async () => {
    expect(await importBackendPackage('@leaky/backend-that-does-not-exist')).toBe(false)
    expect(packageProblems.get('@leaky/backend-that-does-not-exist')).toMatch(
      /Cannot find|Failed to load|not found/i,
    )
    expect(await loadBackends(['@leaky/backend-that-does-not-exist'])).toContain('js')
  })
})
