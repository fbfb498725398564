import { afterEach, describe, expect, it } from 'vitest'
import { BackendUnavailableError, UnsupportedError } from '../errors/errors.js'
import { jsBackend } from '../js-backend/js-backend.js'
import {
  createLayer,
  getBackend,
  registerBackend,
  registeredBackends,
  resetRegistry,
  selectBackend,
  setAutoRanker,
} from './registry.js'
import type { Backend } from './types.js'

const unavailable = (name: 'node-cuda' | 'web-webgpu', reason: string): Backend => ({
  name,
  available: async () => ({ ok: false, reason }),
  createLayer: async () => {
    throw new Error('unreachable')
  },
})

afterEach(() => resetRegistry())

describe('registry', () => {
  it('orders by priority and selects the first available backend', async () => {
    registerBackend('js', () => jsBackend, 0)
    registerBackend('node-cuda', () => unavailable('node-cuda', 'no CUDA EP'), 10)
    expect(registeredBackends()).toEqual(['node-cuda', 'js'])
    expect((await selectBackend()).name).toBe('js')
    expect((await selectBackend({ prefer: ['node-cuda', 'js'] })).name).toBe('js')
  })
  it('names every reason when nothing is available', async () => {
    registerBackend('node-cuda', () => unavailable('node-cuda', 'no CUDA EP'), 10)
    registerBackend(
      'web-webgpu',
      () => {
        throw new Error('factory blew up')
      },
      5,
    )
    const error = await selectBackend().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BackendUnavailableError)
    expect((error as BackendUnavailableError).reasons).toEqual([
      { backend: 'node-cuda', reason: 'no CUDA EP' },
      { backend: 'web-webgpu', reason: 'factory blew up' },
    ])
    await expect(getBackend('node-cuda')).rejects.toThrow(/node-cuda is not available: no CUDA EP/)
  })
  it('rejects unknown names and keeps a higher-priority registration', async () => {
    await expect(getBackend('tpu')).rejects.toBeInstanceOf(UnsupportedError)
    await expect(selectBackend({ prefer: ['tpu'] })).rejects.toBeInstanceOf(UnsupportedError)
    registerBackend('js', () => jsBackend, 5)
    registerBackend('js', () => unavailable('node-cuda', 'x'), 1)
    expect((await getBackend('js')).name).toBe('js')
  })
  it('auto follows the installed ranker for the workload', async () => {
    registerBackend('js', () => jsBackend, 0)
    registerBackend('node-cuda', () => unavailable('node-cuda', 'no GPU'), 10)
    setAutoRanker((names, w) => (w && w.neurons > 100 ? names : [...names].reverse()))
    expect((await selectBackend({ workload: { neurons: 10, steps: 1 } })).name).toBe('js')
  })
})

describe('createLayer with fallback', () => {
  it('passes over a backend whose runtime fails to start the layer, and says so', async () => {
    registerBackend('node-cuda', () => unavailable('node-cuda', 'no CUDA EP'), 30)
    registerBackend(
      'node-webgpu',
      () => ({
        name: 'node-webgpu',
        available: async () => ({ ok: true }),
        createLayer: async () => {
          throw new Error('device lost')
        },
      }),
      20,
    )
    registerBackend('js', () => jsBackend, 0)
    const skipped: string[] = []
    const layer = await createLayer(
      { neurons: 3 },
      { onSkip: (s) => skipped.push(`${s.backend}: ${s.reason}`) },
    )
    expect(layer.backend).toBe('js')
    expect(skipped).toEqual(['node-cuda: no CUDA EP', 'node-webgpu: failed to start: device lost'])
    await layer.dispose()
  })
  it('fails at once on a bad spec, whatever the backends', async () => {
    registerBackend('js', () => jsBackend, 0)
    await expect(createLayer({ neurons: 0 })).rejects.toMatchObject({ code: 'E_PARAMETER' })
  })
})
