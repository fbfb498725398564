import { readFileSync } from 'node:fs'
import { resolveSpec, simulate } from '@leaky/core'
import { readNpy } from '@leaky/interop'
import ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeInput } from '../src/input/input.js'
import { DEFAULT_SETUP, type Setup } from '../src/setup/setup.js'
import type { ExplorerSnapshot } from '../src/test-hook/test-hook.js'
import { open, openSession, runs, type Session, settled as settledOn, typeAndCommit } from './browser.js'

/** Backends the explorer is checked on (web-webgpu on SwiftShader where there is no GPU). */
const BACKENDS = ['js', 'web-wasm', 'web-webgpu'] as const

/** Small enough that the page's numbers cross playwright cheaply, big enough to mean something. */
const QUERY =
  'tauSynInv=200&tauMemInv=100&vLeak=0&dt=0.001&N=6&T=120&input=poisson&rate=150&amp=1&seed=3&plot=0,2,5'

let session: Session
const settled = () => settledOn(session.page)

/** What @leaky/core computes here in Node for the setup the page reports. */
function expected(setup: Setup) {
  const spec = resolveSpec({
    neurons: setup.neurons,
    params: { tauSynInv: setup.tauSynInv, tauMemInv: setup.tauMemInv, vLeak: setup.vLeak },
    dt: setup.dt,
  })
  const result = simulate(spec, makeInput(setup), undefined, { recordStates: true })
  // The plots leave non-finite values out (null); the arrays keep them.
  const column = (data: Float32Array, n: number) =>
    Array.from({ length: setup.steps }, (_, t) => {
      const x = data[t * setup.neurons + n] as number
      return Number.isFinite(x) ? x : null
    })
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
  const close = (what: string, ours: readonly (number | null)[], ref: readonly (number | null)[]) => {
    expect(ours.length, what).toBe(ref.length)
    const scale = Math.max(1, ...ref.map((x) => Math.abs(x as number)))
    const worst = Math.max(0, ...ours.map((x, k) => Math.abs((x as number) - (ref[k] as number))))
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
  it('paints on js without loading onnxruntime, showing the setup from the URL', async () => {
    const snapshot = await open(session.page, `${inject('baseUrl')}?${QUERY}#explorer`)
    expect(snapshot.backend).toBe('js')
    expect(snapshot.setup).toMatchObject({ neurons: 6, steps: 120, plot: [0, 2, 5] })
    expect(snapshot.plotted.v).toHaveLength(4) // time + 3 neurons
    expect(await session.page.locator('#explorer').isVisible()).toBe(true)
    expectMatchesCore(snapshot)
    // The js backend needs no runtime: not one onnxruntime file was asked for.
    expect(session.requests.filter((url) => /ort-wasm|\/ort\//.test(url))).toEqual([])
    // The picker still offers the onnxruntime backends, to be loaded when picked.
    await expect
      .poll(() => session.page.locator('#backend-web-wasm-status').textContent())
      .toContain('not checked yet')
    expect(await session.page.evaluate(() => window.crossOriginIsolated)).toBe(true)
    expect(session.errors).toEqual([])
  })

  it('applies a typed value once, when committed, and the URL follows', async () => {
    const { page } = session
    const before = await settled()
    const runsBefore = await runs(page)
    await typeAndCommit(page, /tauMemInv/, '250')
    const after = await settled()
    expect(await runs(page)).toBe(runsBefore + 1) // not 2, 25, 250
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

  it('typing a multi-digit N runs only the final value and leaves the plotted neurons alone', async () => {
    const { page } = session
    await settled()
    const runsBefore = await runs(page)
    await typeAndCommit(page, 'Neurons N', '64')
    const after = await settled()
    expect(await runs(page)).toBe(runsBefore + 1)
    expect(after.setup.neurons).toBe(64)
    expect(after.setup.plot).toEqual([0, 2, 5])
    expect(await page.getByLabel('Plot neurons').inputValue()).toBe('0, 2, 5')
    expect(new URL(page.url()).searchParams.get('N')).toBe('64')
    expectMatchesCore(after)
  })

  it('refuses an out-of-range value with the reason beside it, changing nothing else', async () => {
    const { page } = session
    const start = await settled()
    const runsBefore = await runs(page)
    const n = page.getByLabel('Neurons N')
    // The allowed range is text the field is described by.
    const describedBy = (await n.getAttribute('aria-describedby')) ?? ''
    const described = await page.evaluate(
      (ids) => ids.split(' ').map((id) => document.getElementById(id)?.textContent ?? ''),
      describedBy,
    )
    expect(described.join(' ')).toContain('1–4096')
    expect(described.join(' ')).toContain('N·T ≤ 2·10⁶')
    for (const text of ['4097', '1e9', '0', '2.5']) {
      await typeAndCommit(page, 'Neurons N', text)
      expect(await n.getAttribute('aria-invalid'), text).toBe('true')
      await expect.poll(() => page.locator('#neurons-error').textContent()).toContain('1 to 4,096')
    }
    expect(await runs(page)).toBe(runsBefore)
    expect((await settled()).setup).toEqual(start.setup)
    expect(new URL(page.url()).searchParams.get('N')).toBe(String(start.setup.neurons))

    // N·T over 2·10⁶: refused with both limits named; T is not cut to fit.
    await typeAndCommit(page, 'Steps T', '2000')
    expect((await settled()).setup.steps).toBe(2000)
    await typeAndCommit(page, 'Neurons N', '4096')
    await expect.poll(() => page.locator('#neurons-error').textContent()).toContain('T ≤ 488')
    const refused = await settled()
    expect(refused.setup.steps).toBe(2000)
    expect(refused.setup.neurons).toBe(start.setup.neurons)
    expect(await page.getByLabel('Steps T').inputValue()).toBe('2000')

    // A plotted neuron past N, or more than 8: refused, the list kept.
    await typeAndCommit(page, 'Neurons N', '4')
    await expect
      .poll(() => page.locator('#neurons-error').textContent())
      .toContain('neuron 5 is not in the layer')
    await typeAndCommit(page, 'Plot neurons', '0,1,2,3,4,5,6,7,8')
    await expect.poll(() => page.locator('#plot-error').textContent()).toContain('at most 8')
    await typeAndCommit(page, 'Plot neurons', '1, 70')
    await expect.poll(() => page.locator('#plot-error').textContent()).toContain('neuron 70')
    expect((await settled()).setup.plot).toEqual([0, 2, 5])

    // A valid value clears the mark.
    await typeAndCommit(page, 'Neurons N', String(start.setup.neurons))
    await typeAndCommit(page, 'Plot neurons', '0, 2, 5')
    await typeAndCommit(page, 'Steps T', '120')
    expect(await n.getAttribute('aria-invalid')).toBe('false')
    expect(await page.locator('#neurons-error').isVisible()).toBe(false)
    expect((await settled()).setup).toMatchObject({ neurons: start.setup.neurons, steps: 120 })
  })

  it('steps dt by 1, 2, 5 × 10^k with the arrow keys', async () => {
    const { page } = session
    const dt = page.getByLabel(/dt, time step/)
    expect(await dt.getAttribute('step')).toBe('0.001')
    await dt.focus()
    await page.keyboard.press('ArrowUp')
    expect((await settled()).setup.dt).toBe(0.002)
    await page.keyboard.press('ArrowUp')
    expect((await settled()).setup.dt).toBe(0.005)
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    const back = await settled()
    expect(back.setup.dt).toBe(0.001)
    expect(await dt.getAttribute('step')).toBe('0.001')
    expectMatchesCore(back)
  })

  it('restores the whole setup from a shared link', async () => {
    const { page } = session
    const shared = page.url()
    const setup = (await settled()).setup
    await page.goto('about:blank')
    const restored = await open(page, shared)
    expect(restored.setup).toEqual(setup)
    expectMatchesCore(restored)
  })

  it('falls back to the documented defaults for malformed link values', async () => {
    const { page } = session
    const shared = page.url()
    const snapshot = await open(
      page,
      `${inject('baseUrl')}?N=99999&T=abc&dt=-1&unit=h&input=laser&plot=1,x&tauSynInv=&rate=-3`,
    )
    const d = DEFAULT_SETUP
    expect(snapshot.setup).toMatchObject({
      neurons: d.neurons,
      steps: d.steps,
      dt: d.dt,
      unit: d.unit,
      plot: d.plot,
      tauSynInv: d.tauSynInv,
      input: { kind: d.input.kind, rate: d.input.rate },
    })
    expectMatchesCore(snapshot)
    await open(page, shared)
  })

  it('says when a linked backend is unknown, dismissibly, and runs js', async () => {
    const { page } = session
    const shared = page.url()
    const snapshot = await open(page, `${inject('baseUrl')}?${QUERY}&backend=warp-drive`)
    expect(snapshot.backend).toBe('js')
    const notice = page.locator('#notice')
    expect(await notice.isVisible()).toBe(true)
    expect(await notice.textContent()).toContain('warp-drive')
    await page.getByRole('button', { name: 'Dismiss notice' }).click()
    expect(await notice.isVisible()).toBe(false)
    expect(new URL(page.url()).searchParams.get('backend')).toBe('js')
    await open(page, shared)
  })

  it('warns when dt·tauInv > 2, shows Norse’s numbers, and says where they stop being finite', async () => {
    const { page } = session
    // dt·tauSynInv = 6, dt·tauMemInv = 7.5: |1 − 7.5|^t overflows float32 within 120 steps.
    await typeAndCommit(page, /dt, time step/, '0.03')
    const overflowed = await settled()
    expect(overflowed.warnings.length).toBe(2)
    await expect.poll(() => page.locator('#stability').textContent()).toContain('forward Euler diverges')
    expectMatchesCore(overflowed)
    expect(overflowed.voltages.some((x) => !Number.isFinite(x))).toBe(true)
    const text = await page.locator('#non-finite').textContent()
    expect(await page.locator('#non-finite').isVisible()).toBe(true)
    expect(text).toContain('non-finite')
    // The plot leaves those points out (null) instead of going blank.
    expect(overflowed.plotted.v[1]?.some((x) => x === null)).toBe(true)
    expect(overflowed.plotted.v[1]?.some((x) => x !== null && Number.isFinite(x))).toBe(true)
    await page.getByRole('button', { name: /Norse defaults/ }).click()
    const stable = await settled()
    expect(stable.warnings).toEqual([])
    expect(stable.setup.dt).toBe(0.001)
    expect(await page.locator('#non-finite').isVisible()).toBe(false)
    expect(session.errors).toEqual([])
  })

  it('labels time in the preset’s unit, on the fields and the axes', async () => {
    const { page } = session
    expect((await settled()).view.v.x).toBe('time (s)')
    expect(await page.getByLabel(/dt, time step/).getAttribute('id')).toBe('dt')
    expect(await page.locator('label[for=dt]').textContent()).toBe('dt, time step (s)')
    await page.getByRole('button', { name: /bio_default/ }).click()
    const bio = await settled()
    expect(bio.setup).toMatchObject({ unit: 'ms', dt: 0.1, vLeak: -70 })
    expect(bio.view.v.x).toBe('time (ms)')
    expect(bio.view.i.x).toBe('time (ms)')
    expect(await page.locator('label[for=dt]').textContent()).toBe('dt, time step (ms)')
    expect(await page.locator('label[for=rate]').textContent()).toBe('Rate (spikes per ms)')
    expect(await page.locator('#input-raster').getAttribute('aria-label')).toContain(' ms across')
    expectMatchesCore(bio)
  })

  it('shows rate·dt as it is, with a saturation warning above 1', async () => {
    const { page } = session
    // bio: dt = 0.1 ms, rate 150 per ms: 15 spikes a step asked for, one possible.
    const p = page.locator('#spike-probability')
    await expect.poll(() => p.textContent()).toContain('rate·dt = 15.0')
    expect(await p.textContent()).toContain('Saturated')
    expect(await p.getAttribute('class')).toContain('warning')
    await typeAndCommit(page, /^Rate/, '2')
    await expect.poll(() => p.textContent()).toBe('Spike probability per step: p = rate·dt = 0.200')
    expect(await p.getAttribute('class')).not.toContain('warning')
    await page.getByRole('button', { name: /Norse defaults/ }).click()
    await typeAndCommit(page, /^Rate/, '150')
    await settled()
  })

  it('draws the input heatmap with axes and a colour scale, and reads the cell under the pointer', async () => {
    const { page } = session
    const snapshot = await settled()
    const label = (await page.locator('#input-raster').getAttribute('aria-label')) ?? ''
    expect(label).toContain(`neurons 0 to ${snapshot.setup.neurons - 1} down`)
    expect(label).toContain('colour scale 0 to 1')
    const box = await page.locator('#input-raster').boundingBox()
    if (!box) throw new Error('no heatmap')
    // Scan across the row of neuron 2 until the readout shows a spike, then check it against the input.
    const input = makeInput(snapshot.setup)
    const N = snapshot.setup.neurons
    const plotW = box.width - 52 - 72
    const plotH = box.height - 8 - 34
    const y = box.y + 8 + ((2 + 0.5) / N) * plotH
    let checked = 0
    for (let k = 0; k < 40; k++) {
      await page.mouse.move(box.x + 52 + ((k + 0.5) / 40) * plotW, y)
      const text = (await page.locator('#raster-readout').textContent()) ?? ''
      const m = /step (\d+) .*neuron (\d+): input (\S+)/.exec(text)
      expect(m, text).not.toBeNull()
      const [t, n, x] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])]
      expect(n).toBe(2)
      expect(x).toBe(input.data[t * N + n])
      checked++
    }
    expect(checked).toBe(40)
  })

  it('zooms v, i and the heatmap together, and keeps the zoom when re-simulating', async () => {
    const { page } = session
    const before = await settled()
    expect(before.view.zoom).toBeUndefined()
    const over = page.locator('#plot-v .u-over')
    const box = await over.boundingBox()
    if (!box) throw new Error('no plot')
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    const zoomed = await settled()
    const range = zoomed.view.zoom
    expect(range).toBeDefined()
    const [lo, hi] = range as [number, number]
    expect(lo).toBeGreaterThan(0.02)
    expect(hi).toBeLessThan(0.07)
    expect(zoomed.view.v.range).toEqual(range)
    expect(zoomed.view.i.range).toEqual(range)
    const heat = (await page.locator('#input-raster').getAttribute('aria-label')) ?? ''
    const steps = /steps (\d+) to (\d+)/.exec(heat)
    expect(Number(steps?.[1])).toBeGreaterThan(0)
    expect(Number(steps?.[2])).toBeLessThan(119)

    await page.getByLabel('Seed').focus()
    await page.keyboard.press('ArrowUp')
    const again = await settled()
    expect(again.setup.input.seed).toBe(before.setup.input.seed + 1)
    expect(again.view.zoom).toEqual(range)
    expect(again.view.v.range).toEqual(range)
    expect(again.view.i.range).toEqual(range)
    expectMatchesCore(again)

    await over.dblclick()
    const whole = await settled()
    expect(whole.view.zoom).toBeUndefined()
    expect(whole.view.i.range?.[1]).toBeCloseTo(0.12, 9)
  })

  it('exports the plots as PNG and v, i and the input as CSV and .npy', async () => {
    const { page } = session
    const snapshot = await settled()
    const want = expected(snapshot.setup)
    const save = async (click: () => Promise<void>) => {
      const [download] = await Promise.all([page.waitForEvent('download'), click()])
      return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) }
    }
    const png = await save(() => page.getByRole('button', { name: 'Download plots as PNG' }).click())
    expect(png.name).toBe('leaky-plots.png')
    expect([...png.bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
    expect(png.bytes.readUInt32BE(20)).toBeGreaterThan(400) // height: three plots stacked

    await page.getByLabel('Array').selectOption('v')
    await page.getByLabel('Format').selectOption('csv')
    const csv = await save(() => page.getByRole('button', { name: 'Download array' }).click())
    expect(csv.name).toBe('leaky-v.csv')
    const [header, ...rows] = csv.bytes.toString('utf8').trim().split('\n')
    const N = snapshot.setup.neurons
    expect(header?.split(',')).toEqual(['time_s', ...Array.from({ length: N }, (_, n) => `neuron_${n}`)])
    expect(rows).toHaveLength(snapshot.setup.steps)
    const values = rows.flatMap((r) =>
      r
        .split(',')
        .slice(1)
        .map((x) => Math.fround(Number(x))),
    )
    expect(values).toEqual(want.voltages)

    await page.getByLabel('Array').selectOption('i')
    await page.getByLabel('Format').selectOption('npy')
    const npy = await save(() => page.getByRole('button', { name: 'Download array' }).click())
    expect(npy.name).toBe('leaky-i.npy')
    const i = readNpy(npy.bytes)
    expect(i.shape).toEqual([snapshot.setup.steps, snapshot.setup.neurons])
    expect(Array.from(i.data)).toEqual(want.currents)

    await page.getByLabel('Array').selectOption('input')
    const x = readNpy((await save(() => page.getByRole('button', { name: 'Download array' }).click())).bytes)
    expect(Array.from(x.data)).toEqual(Array.from(makeInput(snapshot.setup).data))
  })

  it.each(BACKENDS)('simulates on %s when picked', async (backend) => {
    const { page } = session
    await page.getByLabel(backend, { exact: true }).check()
    const snapshot = await settled()
    expect(snapshot.backend).toBe(backend)
    expectMatchesCore(snapshot, backend === 'js' ? 0 : 1e-4)
    await expect.poll(() => page.locator(`#backend-${backend}-status`).textContent()).toBe('available')
  })

  it('says that WebGPU is a software adapter when it is one', async () => {
    const { page } = session
    const fallback = await page.evaluate(async () => {
      const gpu = (
        navigator as unknown as {
          gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null> }
        }
      ).gpu
      return (await gpu?.requestAdapter())?.info?.isFallbackAdapter ?? false
    })
    // SwiftShader, here: Chromium reports it as a fallback adapter.
    expect(fallback).toBe(true)
    expect(await page.locator('#webgpu-note').isVisible()).toBe(fallback)
    expect(await page.locator('#webgpu-note').textContent()).toContain('software adapter')
  })

  it('shows a busy state with progress and cancels a long simulation', { timeout: 120_000 }, async () => {
    const { page } = session
    const before = await settled()
    expect(before.backend).toBe('web-webgpu')
    // web-webgpu on SwiftShader at N·T = 640 000 takes seconds: long enough to press Cancel.
    await typeAndCommit(page, 'Steps T', '10000')
    await expect.poll(() => page.locator('#run-busy').isVisible()).toBe(true)
    expect(await page.locator('.plots').getAttribute('aria-busy')).toBe('true')
    await page.getByRole('button', { name: 'Cancel' }).click()
    const after = await settled()
    expect(await page.locator('#run-busy').isVisible()).toBe(false)
    expect(await page.locator('.plots').getAttribute('aria-busy')).toBe('false')
    expect(await page.locator('#run-status').textContent()).toContain('Cancelled')
    // The plots still show the last run that finished, not the cancelled one.
    expect(after.setup).toEqual(before.setup)
    expect(after.error).toBeUndefined()
    await page.getByLabel('js', { exact: true }).check()
    await typeAndCommit(page, 'Steps T', '120')
    expect((await settled()).setup).toMatchObject({ backend: 'js', steps: 120 })
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

  it('labels every control and canvas, has one live region, and is reachable with Tab', async () => {
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
    const canvases = await page.evaluate(() =>
      [...document.querySelectorAll('#explorer canvas')].map((c) => ({
        role: c.getAttribute('role'),
        label: c.getAttribute('aria-label') ?? '',
      })),
    )
    expect(canvases.length).toBe(3)
    for (const c of canvases) {
      expect(c.role).toBe('img')
      expect(c.label.length).toBeGreaterThan(20)
    }
    const live = await page.evaluate(() =>
      [...document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log], output')]
        .filter((el) => el.closest('#bench') === null)
        .map((el) => el.id),
    )
    expect(live).toEqual(['run-status'])
    // Fields of other input kinds are hidden, so Tab never lands on a control that does nothing.
    expect(await page.getByLabel(/^Rate/).isVisible()).toBe(true)
    expect(await page.getByLabel('Onset step').isVisible()).toBe(false)
    // Tab from the top of the page: the first controls come in reading order.
    await page.locator('body').focus()
    const order: string[] = []
    for (let k = 0; k < 24; k++) {
      await page.keyboard.press('Tab')
      order.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''),
      )
    }
    const tauSyn = order.indexOf('tauSynInv')
    expect(tauSyn).toBeGreaterThan(0)
    expect(order.slice(tauSyn - 1, tauSyn + 4)).toEqual([
      'time-unit',
      'tauSynInv',
      'tauMemInv',
      'vLeak',
      'dt',
    ])
  })

  it('made no request past 127.0.0.1', async () => {
    expect(session.requests.length).toBeGreaterThan(0)
    expect(session.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
    expect(session.errors).toEqual([])
  })
})
