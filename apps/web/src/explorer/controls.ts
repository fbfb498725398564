import { spikeProbability } from '../input/input.js'
import {
  clampSetup,
  INPUT_KINDS,
  type InputDesign,
  type InputKind,
  LIMITS,
  matchingPreset,
  PRESETS,
  type PresetName,
  type Setup,
} from '../setup/setup.js'
import { parseNeuronList } from '../setup/url.js'
import { h } from './dom.js'

/** One labelled number input bound to one field of the setup. */
interface NumberField {
  readonly id: string
  readonly label: string
  readonly get: (s: Setup) => number
  readonly set: (s: Setup, x: number) => Setup
  readonly ok?: (x: number) => boolean
  readonly min?: number
  readonly max?: number
  readonly step?: string
  /** Shown only for these input kinds. */
  readonly kinds?: readonly InputKind[]
}

const input = (s: Setup, patch: Partial<InputDesign>): Setup => ({ ...s, input: { ...s.input, ...patch } })
const positive = (x: number) => x > 0
const integer = Number.isInteger

const NEURON_FIELDS: NumberField[] = [
  {
    id: 'tauSynInv',
    label: 'tauSynInv (1/τ_syn)',
    get: (s) => s.tauSynInv,
    set: (s, x) => ({ ...s, tauSynInv: x }),
    step: 'any',
  },
  {
    id: 'tauMemInv',
    label: 'tauMemInv (1/τ_mem)',
    get: (s) => s.tauMemInv,
    set: (s, x) => ({ ...s, tauMemInv: x }),
    step: 'any',
  },
  { id: 'vLeak', label: 'vLeak', get: (s) => s.vLeak, set: (s, x) => ({ ...s, vLeak: x }), step: 'any' },
  {
    id: 'dt',
    label: 'dt (time step)',
    get: (s) => s.dt,
    set: (s, x) => ({ ...s, dt: x }),
    ok: positive,
    min: 0,
    step: 'any',
  },
]

const LAYER_FIELDS: NumberField[] = [
  {
    id: 'neurons',
    label: 'Neurons N',
    get: (s) => s.neurons,
    set: (s, x) => ({ ...s, neurons: x }),
    ok: (x) => integer(x) && x >= LIMITS.neurons.min && x <= LIMITS.neurons.max,
    min: LIMITS.neurons.min,
    max: LIMITS.neurons.max,
    step: '1',
  },
  {
    id: 'steps',
    label: 'Steps T',
    get: (s) => s.steps,
    set: (s, x) => ({ ...s, steps: x }),
    ok: (x) => integer(x) && x >= LIMITS.steps.min && x <= LIMITS.steps.max,
    min: LIMITS.steps.min,
    max: LIMITS.steps.max,
    step: '1',
  },
]

const INPUT_FIELDS: NumberField[] = [
  {
    id: 'amplitude',
    label: 'Amplitude (current, or spike size)',
    get: (s) => s.input.amplitude,
    set: (s, x) => input(s, { amplitude: x }),
    step: 'any',
    kinds: ['constant', 'step', 'poisson'],
  },
  {
    id: 'onset',
    label: 'Onset step',
    get: (s) => s.input.onset,
    set: (s, x) => input(s, { onset: x }),
    ok: (x) => integer(x) && x >= 0,
    min: 0,
    step: '1',
    kinds: ['step'],
  },
  {
    id: 'rate',
    label: 'Rate (spikes per time unit)',
    get: (s) => s.input.rate,
    set: (s, x) => input(s, { rate: x }),
    ok: (x) => x >= 0,
    min: 0,
    step: 'any',
    kinds: ['poisson'],
  },
  {
    id: 'mean',
    label: 'Mean',
    get: (s) => s.input.mean,
    set: (s, x) => input(s, { mean: x }),
    step: 'any',
    kinds: ['noise'],
  },
  {
    id: 'sigma',
    label: 'Standard deviation',
    get: (s) => s.input.sigma,
    set: (s, x) => input(s, { sigma: x }),
    ok: (x) => x >= 0,
    min: 0,
    step: 'any',
    kinds: ['noise'],
  },
  {
    id: 'seed',
    label: 'Seed',
    get: (s) => s.input.seed,
    set: (s, x) => input(s, { seed: x }),
    ok: integer,
    step: '1',
    kinds: ['poisson', 'noise'],
  },
]

const PRESET_LABELS: Record<PresetName, string> = { norse: 'Norse defaults', bio: 'Norse bio_default() (ms)' }
const KIND_LABELS: Record<InputKind, string> = {
  constant: 'Constant current',
  step: 'Step current',
  poisson: 'Poisson spike trains',
  noise: 'Gaussian noise',
}

/**
 * The explorer's form: every field of the setup, each with a label. An edit that does not parse
 * marks its field invalid and changes nothing, so a half-typed number never reaches a simulation.
 */
export class Controls {
  readonly element: HTMLFormElement
  #setup: Setup
  readonly #onChange: (s: Setup) => void
  readonly #fields = new Map<NumberField, HTMLInputElement>()
  readonly #presetButtons = new Map<PresetName, HTMLButtonElement>()
  readonly #kind: HTMLSelectElement
  readonly #plot: HTMLInputElement
  readonly #probability: HTMLOutputElement
  readonly #stability: HTMLElement

  constructor(initial: Setup, onChange: (s: Setup) => void) {
    this.#setup = initial
    this.#onChange = onChange

    const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Parameter presets' })
    for (const name of Object.keys(PRESETS) as PresetName[]) {
      const button = h('button', { type: 'button', 'aria-pressed': 'false' }, PRESET_LABELS[name])
      button.addEventListener('click', () => this.#change({ ...this.#setup, ...PRESETS[name] }, true))
      this.#presetButtons.set(name, button)
      presets.append(button)
    }
    this.#stability = h('p', { id: 'stability', class: 'hint', role: 'status', 'aria-live': 'polite' })

    this.#kind = h('select', { id: 'input-kind' })
    for (const kind of INPUT_KINDS) this.#kind.append(h('option', { value: kind }, KIND_LABELS[kind]))
    this.#kind.addEventListener('change', () => {
      this.#change(input(this.#setup, { kind: this.#kind.value as InputKind }), false)
      this.#showFieldsFor(this.#setup.input.kind)
    })

    this.#plot = h('input', { id: 'plot', type: 'text', inputmode: 'numeric', autocomplete: 'off' })
    this.#plot.addEventListener('input', () => {
      const list = parseNeuronList(this.#plot.value)
      const ok = list.length > 0 && list.every((n) => n < this.#setup.neurons)
      this.#plot.setAttribute('aria-invalid', String(!ok))
      if (ok) this.#change({ ...this.#setup, plot: list }, false)
    })

    this.#probability = h('output', { id: 'spike-probability', for: 'rate' })

    this.element = h(
      'form',
      { id: 'controls', 'aria-label': 'Simulation setup' },
      h(
        'fieldset',
        {},
        h('legend', {}, 'Neuron'),
        presets,
        ...NEURON_FIELDS.map((f) => this.#field(f)),
        this.#stability,
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Layer'),
        ...LAYER_FIELDS.map((f) => this.#field(f)),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'plot' }, 'Plot neurons (indices, comma separated)'),
          this.#plot,
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Input'),
        h('div', { class: 'field' }, h('label', { for: 'input-kind' }, 'Input kind'), this.#kind),
        ...INPUT_FIELDS.map((f) => this.#field(f)),
        this.#probability,
      ),
    )
    this.element.addEventListener('submit', (event) => event.preventDefault())
    this.#write()
  }

  get setup(): Setup {
    return this.#setup
  }

  /** A change made outside the form (the backend picker). */
  patch(change: Partial<Setup>): void {
    this.#change({ ...this.#setup, ...change }, false)
  }

  /** Shows the layer's stability warnings (the onWarning channel), or clears them. */
  showWarnings(messages: readonly string[]): void {
    this.#stability.textContent = messages.length ? `Unstable: ${messages.join('; ')}` : ''
    this.#stability.classList.toggle('warning', messages.length > 0)
  }

  #field(f: NumberField): HTMLElement {
    const el = h('input', {
      id: f.id,
      type: 'number',
      step: f.step ?? 'any',
      ...(f.min !== undefined ? { min: String(f.min) } : {}),
      ...(f.max !== undefined ? { max: String(f.max) } : {}),
      required: true,
    })
    el.addEventListener('input', () => {
      const x = el.value.trim() === '' ? Number.NaN : Number(el.value)
      const ok = Number.isFinite(x) && (f.ok?.(x) ?? true)
      el.setAttribute('aria-invalid', String(!ok))
      if (ok) this.#change(f.set(this.#setup, x), false)
    })
    this.#fields.set(f, el)
    const wrapper = h('div', { class: 'field', 'data-field': f.id }, h('label', { for: f.id }, f.label), el)
    if (f.kinds) wrapper.dataset.kinds = f.kinds.join(' ')
    return wrapper
  }

  /** `rewrite`: put the new values into the inputs (presets); an edit leaves the field as typed. */
  #change(next: Setup, rewrite: boolean): void {
    const clamped = clampSetup(next)
    this.#setup = clamped
    if (rewrite) this.#write()
    else {
      // Clamping (sizes over the limit, plotted neurons past N) shows in the fields it changed.
      for (const [f, el] of this.#fields)
        if (f.get(clamped) !== f.get(next)) el.value = String(f.get(clamped))
      if (clamped.plot.join() !== next.plot.join()) this.#plot.value = clamped.plot.join(', ')
      this.#refreshDerived()
    }
    this.#onChange(clamped)
  }

  #write(): void {
    for (const [f, el] of this.#fields) {
      el.value = String(f.get(this.#setup))
      el.setAttribute('aria-invalid', 'false')
    }
    this.#kind.value = this.#setup.input.kind
    this.#plot.value = this.#setup.plot.join(', ')
    this.#showFieldsFor(this.#setup.input.kind)
    this.#refreshDerived()
  }

  #refreshDerived(): void {
    const preset = matchingPreset(this.#setup)
    for (const [name, button] of this.#presetButtons)
      button.setAttribute('aria-pressed', String(name === preset))
    this.#probability.textContent = `Spike probability per step: rate·dt = ${spikeProbability(this.#setup).toPrecision(3)}`
    this.#probability.hidden = this.#setup.input.kind !== 'poisson'
  }

  #showFieldsFor(kind: InputKind): void {
    for (const wrapper of this.element.querySelectorAll<HTMLElement>('[data-kinds]')) {
      wrapper.hidden = !(wrapper.dataset.kinds ?? '').split(' ').includes(kind)
    }
    this.#refreshDerived()
  }
}
