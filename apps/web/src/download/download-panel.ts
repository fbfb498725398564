import { h } from '../explorer/dom.js'
import type { Setup } from '../setup/setup.js'
import { exportOnnx, onnxExportAvailability, saveBlob } from './onnx-export.js'

/** The download button: disabled with the reason while export is unavailable, never a fake file. */
export function downloadPanel(currentSetup: () => Setup): HTMLElement {
  const availability = onnxExportAvailability()
  const note = h('p', { id: 'download-note', class: 'hint' }, availability.ok ? '' : availability.reason)
  const button = h(
    'button',
    { type: 'button', id: 'download-onnx', disabled: !availability.ok, 'aria-describedby': 'download-note' },
    'Download .onnx + JSON contract',
  )
  button.addEventListener('click', async () => {
    try {
      const { onnx, contract } = await exportOnnx(currentSetup())
      saveBlob(onnx, 'leaky-li.onnx')
      saveBlob(contract, 'leaky-li.contract.json')
    } catch (error) {
      note.textContent = error instanceof Error ? error.message : String(error)
    }
  })
  return h('fieldset', { id: 'download' }, h('legend', {}, 'Download'), button, note)
}
