import { afterEach, describe, expect, it } from 'vitest'
import { BackendUnavailableError, ParameterError, UnsupportedError } from '../errors/errors.js'
import { jsDeclaration } from '../js-backend/js-backend.js'
import {
  createLayer,
  getBackend,
  registerBackend,
  registeredBackends,
  resetRegistry,
  resolvePreference,
  selectBackend,
  setAutoRanker,
} from './registry.js'
import { declaration, unavailable } from './test-declarations.js'

afterEach(() => resetRegistry())

describe('registry', () => {
  it('orders by priority and selects the first available backend', async () => {
    registerBackend(jsDeclaration)
    registerBackend(declaration('node-cuda', 'cuda', 10, unavailable('no CUDA EP')))
    expect(registeredBackends()).toEqual(['node-cuda', 'js'])
    expect((await selectBackend()).name).toBe('js')
    expect((await selectBackend({ prefer: ['node-cuda', 'js'] })).name).toBe('js')
    expect((await selectBackend({ prefer: 'js' })).name).toBe('js')
  })
  it('names every reason when nothing is available, a throwing probe included', async () => {
    registerBackend(declaration('node-cuda', 'cuda', 10, unavailable('no CUDA EP')))
    registerBackend(
      declaration('web-webgpu', 'webgpu', 5, {
        probe: () => {
          throw new Error('probe blew up')
        },
      }),
    )
    const error = await selectBackend().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BackendUnavailableError)
    expect((error as BackendUnavailableError).reasons).toEqual([
      { backend: 'node-cuda', reason: 'no CUDA EP' },
      { backend: 'web-webgpu', reason: 'its probe failed: probe blew up' },
    ])
    await expect(getBackend('node-cuda')).rejects.toThrow(/node-cuda is not available: no CUDA EP/)
  })
  it('probes once', async () => {
    let probes = 0
    registerBackend(
      declaration('counted', 'cpu', 1, { probe: async () => ({ ok: true, ...{ n: probes++ } }) }),
    )
    await Promise.all([selectBackend(), selectBackend({ prefer: 'counted' }), getBackend('counted')])
    expect(probes).toBe(1)
  })
  it('says an unregistered name is not registered, and refuses malformed names', async () => {
    await expect(getBackend('tpu')).rejects.toThrow(/"tpu" is not registered; import its package/)
    await expect(selectBackend({ prefer: ['tpu'] })).rejects.toBeInstanceOf(BackendUnavailableError)
    await expect(selectBackend({ prefer: ['Node CPU'] })).rejects.toBeInstanceOf(UnsupportedError)
    await expect(selectBackend({ prefer: [] })).rejects.toBeInstanceOf(UnsupportedError)
  })
  it('keeps a higher-priority registration', async () => {
    registerBackend(declaration('js', 'cpu', 5))
    registerBackend(declaration('js', 'cpu', 1, unavailable('x')))
    expect(await (await getBackend('js')).available()).toEqual({ ok: true })
  })
  it('checks a declaration before it enters the registry', () => {
    const bad: [Partial<Record<string, unknown>>, RegExp][] = [
      [{ name: 'My_Backend' }, /lower-case words/],
      [{ name: 'gpu' }, /reserved/],
      [{ name: 'auto' }, /reserved/],
      [{ device: 'tpu' }, /device must be one of cpu, wasm, webgpu, cuda/],
      [{ priority: Number.NaN }, /priority/],
      [{ probe: undefined }, /probe and create/],
      [{ costs: { sequence: { callSeconds: -1, neuronStepsPerSecond: 1 } } }, /costs.sequence: callSeconds/],
      [
        { costs: { sequence: { callSeconds: 0, neuronStepsPerSecond: 1 }, step: { callSeconds: 0 } } },
        /costs.step: neuronStepsPerSecond/,
      ],
    ]
    for (const [override, message] of bad) {
      expect(() => registerBackend({ ...declaration('ok-name', 'cpu', 0), ...override } as never)).toThrow(
        message,
      )
      expect(registeredBackends()).toEqual([])
    }
    expect(() => registerBackend(null as never)).toThrow(ParameterError)
  })
  it('auto follows the installed ranker for the workload', async () => {
    registerBackend(jsDeclaration)
    registerBackend(declaration('node-cuda', 'cuda', 10, unavailable('no GPU')))
    setAutoRanker((names, w) => (w && w.neurons > 100 ? names : [...names].reverse()))
    expect((await selectBackend({ workload: { neurons: 10, steps: 1 } })).name).toBe('js')
  })
})

describe('device aliases', () => {
  it('resolve to the registered backends of that device, and gpu to webgpu and cuda', () => {
    registerBackend(jsDeclaration)
    registerBackend(declaration('node-cpu', 'cpu', 10))
    registerBackend(declaration('web-wasm', 'wasm', 5))
    registerBackend(declaration('node-webgpu', 'webgpu', 20))
    registerBackend(declaration('node-cuda', 'cuda', 30))
    expect(resolvePreference('cpu')).toEqual(['node-cpu', 'js'])
    expect(resolvePreference('wasm')).toEqual(['web-wasm'])
    expect(resolvePreference('gpu')).toEqual(['node-cuda', 'node-webgpu'])
    expect(resolvePreference(['webgpu', 'cpu', 'js'])).toEqual(['node-webgpu', 'node-cpu', 'js'])
    expect(resolvePreference(['js', 'auto'])).toEqual([
      'js',
      'node-cuda',
      'node-webgpu',
      'node-cpu',
      'web-wasm',
    ])
  })
  it('pass over an unavailable backend of the device for the next one', async () => {
    registerBackend(declaration('node-cuda', 'cuda', 30, unavailable('no CUDA EP')))
    registerBackend(declaration('node-webgpu', 'webgpu', 20))
    const skipped: string[] = []
    const layer = await createLayer({ neurons: 2 }, { prefer: 'gpu', onSkip: (s) => skipped.push(s.backend) })
    expect(layer.backend).toBe('js') // the stand-in runs the js layer
    expect(skipped).toEqual(['node-cuda'])
    await layer.dispose()
  })
  it('with no backend of the device, say so', async () => {
    registerBackend(jsDeclaration)
    await expect(createLayer({ neurons: 2 }, { prefer: 'cuda' })).rejects.toThrow(
      /no backend is available for prefer: cuda: no registered backend matches/,
    )
  })
})

describe('createLayer with fallback', () => {
  it('passes over a backend whose runtime fails to start the layer, and says so', async () => {
    registerBackend(declaration('node-cuda', 'cuda', 30, unavailable('no CUDA EP')))
    registerBackend(
      declaration('node-webgpu', 'webgpu', 20, {
        create: () => {
          throw new Error('device lost')
        },
      }),
    )
    registerBackend(jsDeclaration)
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
    registerBackend(jsDeclaration)
    await expect(createLayer({ neurons: 0 })).rejects.toMatchObject({ code: 'E_PARAMETER' })
  })
  it('resolves the spec once: a warning reaches onWarning once', async () => {
    registerBackend(jsDeclaration)
    const warnings: string[] = []
    const layer = await createLayer({ neurons: 2, dt: 0.015, onWarning: (w) => warnings.push(w.code) })
    expect(warnings).toEqual(['euler-unstable'])
    await layer.dispose()
  })
})
