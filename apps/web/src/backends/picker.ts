import type { BackendName } from '@leaky/core'
import { h } from '../explorer/dom.js'
import type { BackendStatus } from './backends.js'

/**
 * A radio group of backends. One that cannot run here is shown disabled with its reason (the
 * reason a person can act on, from core's whyUnavailable), never hidden.
 */
export class BackendPicker {
  readonly element: HTMLFieldSetElement
  readonly #timing: HTMLOutputElement

  constructor(
    statuses: readonly BackendStatus[],
    selected: BackendName,
    onChange: (name: BackendName) => void,
  ) {
    this.#timing = h('output', { id: 'last-run', 'aria-live': 'polite' }, 'not run yet')
    this.element = h('fieldset', { id: 'backend-picker' }, h('legend', {}, 'Backend'))
    for (const { name, reason } of statuses) {
      const id = `backend-${name}`
      const radio = h('input', {
        type: 'radio',
        name: 'backend',
        id,
        value: name,
        disabled: reason !== undefined,
        'aria-describedby': `${id}-status`,
      })
      radio.checked = name === selected
      radio.addEventListener('change', () => radio.checked && onChange(name))
      this.element.append(
        h(
          'div',
          { class: 'backend' },
          radio,
          h('label', { for: id }, name),
          h('span', { id: `${id}-status`, class: reason ? 'reason' : 'ok' }, reason ?? 'available'),
        ),
      )
    }
    this.element.append(h('p', {}, h('label', { for: 'last-run' }, 'Last simulation: '), this.#timing))
  }

  showTiming(text: string): void {
    this.#timing.textContent = text
  }
}
