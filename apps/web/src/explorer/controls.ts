import { spikesPerStep } from '../input/input.js'
import {
  type FieldName,
  INPUT_KINDS,
  type InputDesign,
  type InputKind,
  LIMITS,
  matchingPreset,
  PRESETS,
  type PresetName,
  type Setup,
  setupProblems,
  TIME_UNITS,
  type TimeUnit,
} from '../setup/setup.js'
import { parseNeuronList } from '../setup/url.js'
import { h } from './dom.js'

/** One labelled number input bound to one field of the setup. */
interface NumberField {
  readonly id: FieldName
  readonly label: (unit: TimeUnit) => string
  /** The allowed range, in words; linked to the input with aria-describedby. */
  readonly range: (unit: TimeUnit) => string
  readonly get: (s: Setup) => number
  readonly set: (s: Setup, x: number) => Setup
  readonly min?: number
  readonly max?: number
  readonly step?: string
  /** Shown only for these input kinds. */
  readonly kinds?: readonly InputKind[]
}

const input = (s: Setup, patch: Partial<InputDesign>): Setup => ({ ...s, input: { ...s.input, ...patch } })
const cells = '2·10⁶'

const NEURON_FIELDS: NumberField[] = [
  {
    id: 'tauSynInv',
    label: (u) => `tauSynInv, 1/τ_syn (1/${u})`,
    range: () => 'any finite number; stable while dt·tauSynInv ≤ 2',
    get: (s) => s.tauSynInv,
    set: (s, x) => ({ ...s, tauSynInv: x }),
  },
  {
    id: 'tauMemInv',
    label: (u) => `tauMemInv, 1/τ_mem (1/${u})`,
    range: () => 'any finite number; stable while dt·tauMemInv ≤ 2',
    get: (s) => s.tauMemInv,
    set: (s, x) => ({ ...s, tauMemInv: x }),
  },
  {
    id: 'vLeak',
    label: () => 'vLeak, resting voltage',
    range: () => 'any finite number',
    get: (s) => s.vLeak,
    set: (s, x) => ({ ...s, vLeak: x }),
  },
  {
    id: 'dt',
    label: (u) => `dt, time step (${u})`,
    range: () => '> 0; arrow keys step 1, 2, 5, 10, …',
    get: (s) => s.dt,
    set: (s, x) => ({ ...s, dt: x }),
    min: 0,
  },
]

const LAYER_FIELDS: NumberField[] = [
  {
    id: 'neurons',
    label: () => 'Neurons N',
    range: () => `whole number 1–${LIMITS.neurons.max}; N·T ≤ ${cells}`,
    get: (s) => s.neurons,
    set: (s, x) => ({ ...s, neurons: x }),
    min: LIMITS.neurons.min,
    max: LIMITS.neurons.max,
    step: '1',
  },
  {
    id: 'steps',
    label: () => 'Steps T',
    range: () => `whole number 1–${LIMITS.steps.max}; N·T ≤ ${cells}`,
    get: (s) => s.steps,
    set: (s, x) => ({ ...s, steps: x }),
    min: LIMITS.steps.min,
    max: LIMITS.steps.max,
    step: '1',
  },
]

const INPUT_FIELDS: NumberField[] = [
  {
    id: 'amplitude',
    label: () => 'Amplitude (current, or spike size)',
    range: () => 'any finite number',
    get: (s) => s.input.amplitude,
    set: (s, x) => input(s, { amplitude: x }),
    kinds: ['constant', 'step', 'poisson'],
  },
  {
    id: 'onset',
    label: () => 'Onset step',
    range: () => 'whole number ≥ 0 (a step index)',
    get: (s) => s.input.onset,
    set: (s, x) => input(s, { onset: x }),
    min: 0,
    step: '1',
    kinds: ['step'],
  },
  {
    id: 'rate',
    label: (u) => `Rate (spikes per ${u})`,
    range: () => '≥ 0; rate·dt ≤ 1 or the train saturates',
    get: (s) => s.input.rate,
    set: (s, x) => input(s, { rate: x }),
    min: 0,
    kinds: ['poisson'],
  },
  {
    id: 'mean',
    label: () => 'Mean',
    range: () => 'any finite number',
    get: (s) => s.input.mean,
    set: (s, x) => input(s, { mean: x }),
    kinds: ['noise'],
  },
  {
    id: 'sigma',
    label: () => 'Standard deviation',
    range: () => '≥ 0',
    get: (s) => s.input.sigma,
    set: (s, x) => input(s, { sigma: x }),
    min: 0,
    kinds: ['noise'],
  },
  {
    id: 'seed',
    label: () => 'Seed',
    range: () => 'whole number',
    get: (s) => s.input.seed,
    set: (s, x) => input(s, { seed: x }),
    step: '1',
    kinds: ['poisson', 'noise'],
  },
]

const PRESET_LABELS: Record<PresetName, string> = {
  norse: 'Norse defaults (s)',
  bio: 'Norse bio_default() (ms)',
}
const KIND_LABELS: Record<InputKind, string> = {
  constant: 'Constant current',
  step: 'Step current',
  poisson: 'Poisson spike trains',
  noise: 'Gaussian noise',
}

/** dt's arrow keys walk 1, 2, 5 × 10^k: 0.001 → 0.002 → 0.005 → 0.01, never 0.001 → 1.001. */
export function nextDt(dt: number, up: boolean): number {
  const power = 10 ** Math.floor(Math.log10(dt) + 1e-9)
  const ladder = [1, 2, 5, 10, 20].map((m) => Number((m * power).toPrecision(12)))
  const lower = [0.5, 1, 2, 5, 10].map((m) => Number((m * power).toPrecision(12)))
  if (up) return ladder.find((v) => v > dt * (1 + 1e-9)) as number
  return [...lower].reverse().find((v) => v < dt * (1 - 1e-9)) as number
}

/**
 * The explorer's form. An edit is applied when it is committed (change: Enter, blur, a spin-button
 * step) and only if the whole setup is then valid; a value that is not is marked invalid with the
 * reason beside it, and nothing else changes: no other field is ever rewritten to make it fit.
 * Every field says its allowed range in text its input is described by.
 */
export class Controls {
  readonly element: HTMLFormElement
  #setup: Setup
  readonly #onChange: (s: Setup) => void
  readonly #fields = new Map<NumberField, HTMLInputElement>()
  readonly #labels = new Map<NumberField, HTMLLabelElement>()
  readonly #presetButtons = new Map<PresetName, HTMLButtonElement>()
  readonly #kind: HTMLSelectElement
  readonly #unit: HTMLSelectElement
  readonly #plot: HTMLInputElement
  readonly #probability: HTMLElement
  readonly #stability: HTMLElement

  constructor(initial: Setup, onChange: (s: Setup) => void) {
    this.#setup = initial
    this.#onChange = onChange

    const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Parameter presets' })
    for (const name of Object.keys(PRESETS) as PresetName[]) {
      const button = h('button', { type: 'button', 'aria-pressed': 'false' }, PRESET_LABELS[name])
      // A preset is a request to set these five fields, so it writes them.
      button.addEventListener('click', () => this.#apply({ ...this.#setup, ...PRESETS[name] }, true))
      this.#presetButtons.set(name, button)
      presets.append(button)
    }
    this.#stability = h('p', { id: 'stability', class: 'hint' })

    this.#unit = h('select', { id: 'time-unit', 'aria-describedby': 'time-unit-range' })
    for (const unit of TIME_UNITS) this.#unit.append(h('option', { value: unit }, unit))
    this.#unit.addEventListener('change', () =>
      this.#apply({ ...this.#setup, unit: this.#unit.value as TimeUnit }, false),
    )

    this.#kind = h('select', { id: 'input-kind' })
    for (const kind of INPUT_KINDS) this.#kind.append(h('option', { value: kind }, KIND_LABELS[kind]))
    this.#kind.addEventListener('change', () =>
      this.#apply(input(this.#setup, { kind: this.#kind.value as InputKind }), false),
    )

    this.#plot = h('input', {
      id: 'plot',
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'off',
      'aria-describedby': 'plot-range plot-error',
    })
    this.#plot.addEventListener('input', () => {
      const list = parseNeuronList(this.#plot.value)
      this.#mark('plot', list ? undefined : 'indices are whole numbers ≥ 0, separated by commas')
    })
    this.#plot.addEventListener('change', () => {
      const list = parseNeuronList(this.#plot.value)
      if (!list) return this.#mark('plot', 'indices are whole numbers ≥ 0, separated by commas')
      this.#commit('plot', { ...this.#setup, plot: list })
    })

    this.#probability = h('p', { id: 'spike-probability', class: 'hint' })

    this.element = h(
      'form',
      { id: 'controls', 'aria-label': 'Simulation setup', novalidate: true },
      h(
        'fieldset',
        {},
        h('legend', {}, 'Neuron'),
        presets,
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'time-unit' }, 'Time unit'),
          this.#unit,
          h('span', { id: 'time-unit-range', class: 'range' }, 'labels only: numbers are not converted'),
        ),
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
          h(
            'span',
            { id: 'plot-range', class: 'range' },
            `up to ${LIMITS.plotted} neurons, each < N (0 to N − 1)`,
          ),
          h('span', { id: 'plot-error', class: 'error-text', hidden: true }),
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
    this.#apply({ ...this.#setup, ...change }, false)
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
      'aria-describedby': `${f.id}-range ${f.id}-error`,
    })
    const parse = () => (el.value.trim() === '' ? Number.NaN : Number(el.value))
    // While typing: say whether the text is a number at all; apply nothing.
    el.addEventListener('input', () =>
      this.#mark(f.id, Number.isFinite(parse()) ? undefined : `${f.label(this.#setup.unit)}: not a number`),
    )
    el.addEventListener('change', () => {
      const x = parse()
      if (!Number.isFinite(x)) return this.#mark(f.id, 'not a number')
      this.#commit(f.id, f.set(this.#setup, x))
    })
    if (f.id === 'dt') {
      el.addEventListener('keydown', (event) => {
        if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return
        event.preventDefault()
        const x = parse()
        const next = nextDt(Number.isFinite(x) && x > 0 ? x : this.#setup.dt, event.key === 'ArrowUp')
        el.value = String(next)
        this.#commit('dt', f.set(this.#setup, next))
      })
    }
    this.#fields.set(f, el)
    const label = h('label', { for: f.id }, f.label(this.#setup.unit))
    this.#labels.set(f, label)
    const wrapper = h(
      'div',
      { class: 'field', 'data-field': f.id },
      label,
      el,
      h('span', { id: `${f.id}-range`, class: 'range' }, f.range(this.#setup.unit)),
      h('span', { id: `${f.id}-error`, class: 'error-text', hidden: true }),
    )
    if (f.kinds) wrapper.dataset.kinds = f.kinds.join(' ')
    return wrapper
  }

  /** Applies an edit of `field` if the setup it makes is valid; otherwise says why, changing nothing. */
  #commit(field: FieldName, next: Setup): void {
    const problem = setupProblems(next).find((p) => p.field === field)
    this.#mark(field, problem?.message)
    if (!problem) this.#apply(next, false)
  }

  #mark(field: FieldName, message: string | undefined): void {
    const el = document.getElementById(field)
    const error = document.getElementById(`${field}-error`)
    el?.setAttribute('aria-invalid', String(message !== undefined))
    if (error) {
      error.textContent = message ?? ''
      error.hidden = message === undefined
    }
  }

  /** `rewrite`: put the new values into every input (presets); an edit leaves fields as typed. */
  #apply(next: Setup, rewrite: boolean): void {
    this.#setup = next
    if (rewrite) this.#write()
    else this.#refreshDerived()
    this.#onChange(next)
  }

  #write(): void {
    for (const [f, el] of this.#fields) {
      el.value = String(f.get(this.#setup))
      this.#mark(f.id, undefined)
    }
    this.#kind.value = this.#setup.input.kind
    this.#unit.value = this.#setup.unit
    this.#plot.value = this.#setup.plot.join(', ')
    this.#refreshDerived()
  }

  #refreshDerived(): void {
    const s = this.#setup
    const preset = matchingPreset(s)
    for (const [name, button] of this.#presetButtons)
      button.setAttribute('aria-pressed', String(name === preset))
    for (const [f, label] of this.#labels) label.textContent = f.label(s.unit)
    // The spin buttons step dt by its own power of ten (0.001 → 0.002), not by 1 (0.001 → 1.001).
    const dt = this.element.querySelector<HTMLInputElement>('#dt')
    if (dt) dt.step = String(10 ** Math.floor(Math.log10(s.dt) + 1e-9))
    for (const wrapper of this.element.querySelectorAll<HTMLElement>('[data-kinds]'))
      wrapper.hidden = !(wrapper.dataset.kinds ?? '').split(' ').includes(s.input.kind)
    const perStep = spikesPerStep(s)
    const saturated = perStep > 1
    this.#probability.textContent = saturated
      ? `Saturated: rate·dt = ${perStep.toPrecision(3)} spikes per step, but a step holds at most one spike, so every step spikes (p = 1) and the rate you get is 1/dt = ${(1 / s.dt).toPrecision(3)} per ${s.unit}. Lower the rate or dt.`
      : `Spike probability per step: p = rate·dt = ${perStep.toPrecision(3)}`
    this.#probability.classList.toggle('warning', saturated)
    this.#probability.hidden = s.input.kind !== 'poisson'
  }
}
