import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveSpec, simulate } from '@leaky/core'
import ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeInput } from '../src/input/input.js'
import type { Setup } from '../src/setup/setup.js'
import type { ExplorerSnapshot } from '../src/test-hook/test-hook.js'
import { OUTPUT_DIR, openSession, type Session } from './browser.js'

/** Backends the explorer is checked on (web-webgpu on SwiftShader where there is no GPU). */
const BACKENDS = ['js', 'web-wasm', 'web-webgpu'] as const

/** Small enough that the page's numbers cross playwright cheaply, big enough to mean something. */
const QUERY =
  'tauSynInv=200&tauMemInv=100&vLeak=0&dt=0.001&N=6&T=120&input=poisson&rate=150&amp=1&seed=3&plot=0,2,5'

let session: Session

async function settled(): Promise<ExplorerSnapshot> {
  const snapshot = await session.page.evaluate(() => window.__leaky?.settled())
  if (!snapshot) throw new Error('the page simulated nothing')
  return snapshot
}

/** What @leaky/core computes here in Node for the setup the page reports. */
function expected(setup: Setup) {
  const spec = resolveSpec({
    neurons: setup.neurons,
    params: { tauSynInv: setup.tauSynInv, tauMemInv: setup.tauMemInv, vLeak: setup.vLeak },
    dt: setup.dt,
  })
  const result = simulate(spec, makeInput(setup), undefined, { recordStates: true })
  const column = (data: Float32Array, n: number) =>
    Array.from({ length: setup.steps }, (_, t) => data[t * setup.neurons + n] as number)
  return {
    voltages: Array.from(result.voltages.data),
    currents: Array.from(result.states?.i.data ?? []),
    v: setup.plot.map((n) => column(result.voltages.data, n)),
    i: setup.plot.map((n) => column(result.states?.i.data ?? new Float32Array(), n)),
  }
}

/**
 * The plotted series (uPlot's data, time column dropped) and the full arrays equal core's: exactly
 * on js, within the backend's tolerance elsewhere (1e-5 step by step, 1e-4 for parallel graphs).
 */
function expectMatchesCore(snapshot: ExplorerSnapshot, tolerance = 0): void {
  const want = expected(snapshot.setup)
  expect(snapshot.error).toBeUndefined()
  if (tolerance === 0) {
    expect(snapshot.plotted.v.slice(1)).toEqual(want.v)
    expect(snapshot.plotted.i.slice(1)).toEqual(want.i)
    expect(snapshot.voltages).toEqual(want.voltages)
    expect(snapshot.currents).toEqual(want.currents)
    return
  }
  const close = (what: string, ours: readonly number[], ref: readonly number[]) => {
    expect(ours.length, what).toBe(ref.length)
    const scale = Math.max(1, ...ref.map(Math.abs))
    const worst = Math.max(0, ...ours.map((x, k) => Math.abs(x - (ref[k] as number))))
    expect(worst / scale, `${what}: max error relative to max |ref|`).toBeLessThanOrEqual(tolerance)
  }
  close('voltages', snapshot.voltages, want.voltages)
  close('currents', snapshot.currents, want.currents)
  for (const [k, series] of snapshot.plotted.v.slice(1).entries())
    close(`plotted v ${k}`, series, want.v[k] ?? [])
  for (const [k, series] of snapshot.plotted.i.slice(1).entries())
    close(`plotted i ${k}`, series, want.i[k] ?? [])
}

beforeAll(async () => {
  session = await openSession()
})

afterAll(async () => {
  await session?.close()
})

describe('explorer', () => {
  it('loads with no console errors, on js, showing the setup from the URL', async () => {
    await session.page.goto(`${inject('baseUrl')}?${QUERY}#explorer`)
    await session.page.waitForFunction(() => window.__leaky !== undefined)
    const snapshot = await settled()
    expect(snapshot.backend).toBe('js')
    expect(snapshot.setup).toMatchObject({ neurons: 6, steps: 120, plot: [0, 2, 5] })
    expect(snapshot.plotted.v).toHaveLength(4) // time + 3 neurons
    expect(await session.page.locator('#explorer').isVisible()).toBe(true)
    expectMatchesCore(snapshot)
    expect(await session.page.evaluate(() => window.crossOriginIsolated)).toBe(true)
    expect(session.errors).toEqual([])
  })

  it('re-simulates when a labelled control changes, and the URL follows', async () => {
    const { page } = session
    const before = await settled()
    const field = page.getByLabel('tauMemInv (1/τ_mem)')
    await field.fill('250')
    const after = await settled()
    expect(after.setup.tauMemInv).toBe(250)
    expect(after.plotted.v).not.toEqual(before.plotted.v)
    expectMatchesCore(after)

    // The keyboard alone: focus the seed and step it up.
    await page.getByLabel('Seed').focus()
    await page.keyboard.press('ArrowUp')
    const stepped = await settled()
    expect(stepped.setup.input.seed).toBe(4)
    expectMatchesCore(stepped)
    expect(new URL(page.url()).searchParams.get('seed')).toBe('4')
    expect(new URL(page.url()).searchParams.get('tauMemInv')).toBe('250')
  })

  it('restores the whole setup from a shared link', async () => {
    const { page } = session
    const shared = page.url()
    const setup = (await settled()).setup
    await page.goto('about:blank')
    await page.goto(shared)
    await page.waitForFunction(() => window.__leaky !== undefined)
    const restored = await settled()
    expect(restored.setup).toEqual(setup)
    expectMatchesCore(restored)
  })

  it('warns when dt·tauInv > 2 and still shows Norse’s numbers', async () => {
    const { page } = session
    await page.getByLabel('dt (time step)').fill('0.03') // dt·tauSynInv = 6, dt·tauMemInv = 7.5
    const unstable = await settled()
    expect(unstable.warnings.length).toBe(2)
    await expect.poll(() => page.locator('#stability').textContent()).toContain('forward Euler diverges')
    expectMatchesCore(unstable)
    await page.getByRole('button', { name: 'Norse defaults' }).click()
    const stable = await settled()
    expect(stable.warnings).toEqual([])
    expect(stable.setup.dt).toBe(0.001)
  })

  it.each(BACKENDS)('simulates on %s when picked', async (backend) => {
    const { page } = session
    await page.getByLabel(backend, { exact: true }).check()
    const snapshot = await settled()
    expect(snapshot.backend).toBe(backend)
    expectMatchesCore(snapshot, backend === 'js' ? 0 : 1e-4)
  })

  it('downloads the layer as .onnx + contract, and the model reproduces the page in onnxruntime', async () => {
    const { page } = session
    const setup = (await settled()).setup
    const downloads = new Map<string, Buffer>()
    const saved: Promise<void>[] = []
    page.on('download', (d) => {
      saved.push(d.path().then((path) => void downloads.set(d.suggestedFilename(), readFileSync(path))))
    })
    await page.locator('#download-onnx').click()
    await expect.poll(() => saved.length).toBe(2)
    await Promise.all(saved)
    const contract = JSON.parse((downloads.get('leaky-li.contract.json') as Buffer).toString('utf8'))
    expect(contract.graph).toBe('sequence')
    expect(contract.neurons).toBe(setup.neurons)
    // Run the downloaded model with only what its contract says, and compare with core.
    const session_ = await ort.InferenceSession.create(downloads.get('leaky-li.onnx') as Buffer)
    const names = contract.inputs.map((i: { name: string }) => i.name)
    expect(names).toEqual(['xs', 'v0', 'i0'])
    const xs = makeInput(setup)
    const v0 = new Float32Array(setup.neurons).fill(setup.vLeak)
    const out = await session_.run({
      xs: new ort.Tensor('float32', xs.data, xs.shape),
      v0: new ort.Tensor('float32', v0, [setup.neurons]),
      i0: new ort.Tensor('float32', new Float32Array(setup.neurons), [setup.neurons]),
    })
    expect(Array.from(out.voltages?.data as Float32Array)).toEqual(expected(setup).voltages)
  })

  it('every control has a label and is reachable with Tab', async () => {
    const { page } = session
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('#explorer input, #explorer select, #explorer button')]
        .filter(
          (el) =>
            (el as HTMLInputElement).labels?.length === 0 &&
            !el.getAttribute('aria-label') &&
            !el.textContent?.trim(),
        )
        .map((el) => el.id || el.outerHTML),
    )
    expect(unlabelled).toEqual([])
    // Fields of other input kinds are hidden, so Tab never lands on a control that does nothing.
    expect(await page.getByLabel('Rate (spikes per time unit)').isVisible()).toBe(true)
    expect(await page.getByLabel('Onset step').isVisible()).toBe(false)
    // Tab from the top of the page: the first controls come in reading order.
    await page.locator('body').focus()
    const order: string[] = []
    // 12 presses: focus may start on the backend radio picked last, whose first Tab leaves the page
    // (with three backends available that is web-webgpu's), before Tab wraps to the top.
    for (let k = 0; k < 12; k++) {
      await page.keyboard.press('Tab')
      order.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''),
      )
    }
    const tauSyn = order.indexOf('tauSynInv')
    expect(tauSyn).toBeGreaterThan(0)
    expect(order.slice(tauSyn, tauSyn + 4)).toEqual(['tauSynInv', 'tauMemInv', 'vLeak', 'dt'])
  })

  it('writes a screenshot and made no request past 127.0.0.1', async () => {
    const { page } = session
    await page.getByRole('button', { name: 'Norse defaults' }).focus()
    await settled()
    await page.screenshot({ path: join(OUTPUT_DIR, 'explorer.png'), fullPage: true })
    expect(session.requests.length).toBeGreaterThan(0)
    expect(session.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(session.errors).toEqual([])
  })
})
