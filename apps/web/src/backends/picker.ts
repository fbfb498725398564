import { h } from '../explorer/dom.js'
import type { BackendStatus } from './backends.js'

/**
 * A radio group of the registry's backends. One that cannot run here is shown disabled with its
 * reason (one a person can act on, from core), never hidden; one not checked yet can be picked,
 * which loads its runtime.
 */
export class BackendPicker {
  readonly element: HTMLFieldSetElement
  readonly #list: HTMLElement
  readonly #note: HTMLElement
  readonly #timing: HTMLElement
  readonly #onChange: (name: string) => void
  #selected: string

  constructor(statuses: readonly BackendStatus[], selected: string, onChange: (name: string) => void) {
    this.#selected = selected
    this.#onChange = onChange
    this.#list = h('div', { class: 'backend-list' })
    this.#note = h('p', { id: 'webgpu-note', class: 'hint warning', hidden: true })
    // Not an <output>: that is a live region, and the run status line is the explorer's only one.
    this.#timing = h('span', { id: 'last-run' }, 'not run yet')
    this.element = h(
      'fieldset',
      { id: 'backend-picker' },
      h('legend', {}, 'Backend'),
      this.#list,
      this.#note,
      h('p', {}, 'Last simulation: ', this.#timing),
    )
    this.update(statuses)
  }

  /** Shows the backends as they are known now (more appear once their package has loaded). */
  update(statuses: readonly BackendStatus[]): void {
    const focused = document.activeElement?.id
    this.#list.replaceChildren(
      ...statuses.map(({ name, checked, reason }) => {
        const id = `backend-${name}`
        const radio = h('input', {
          type: 'radio',
          name: 'backend',
          id,
          value: name,
          disabled: reason !== undefined,
          'aria-describedby': `${id}-status`,
        })
        radio.checked = name === this.#selected
        radio.addEventListener('change', () => {
          if (!radio.checked) return
          this.#selected = name
          this.#onChange(name)
        })
        const text = reason ?? (checked ? 'available' : 'not checked yet: picking it loads its runtime')
        const cls = reason ? 'reason' : checked ? 'ok' : 'unchecked'
        return h(
          'div',
          { class: 'backend' },
          radio,
          h('label', { for: id }, name),
          h('span', { id: `${id}-status`, class: cls }, text),
        )
      }),
    )
    if (focused) document.getElementById(focused)?.focus()
  }

  select(name: string): void {
    this.#selected = name
    const radio = this.#list.querySelector<HTMLInputElement>(`input[value="${CSS.escape(name)}"]`)
    if (radio) radio.checked = true
  }

  showNote(text: string | undefined): void {
    this.#note.textContent = text ?? ''
    this.#note.hidden = text === undefined
  }

  showTiming(text: string): void {
    this.#timing.textContent = text
  }
}
