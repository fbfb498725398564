import type { Availability } from '@leaky/core'
import type { Setup } from '../setup/setup.js'

/** What the download button will produce: the layer as an .onnx graph and its JSON I/O contract. */
export interface OnnxExport {
  readonly onnx: Blob
  /** Input and output names, shapes, dtypes and the parameters baked in. */
  readonly contract: Blob
}

/**
 * Whether this build can export. TODO(@leaky/onnx): return { ok: true } once the package is a
 * dependency; until then the button stays disabled and says why.
 */
export function onnxExportAvailability(): Availability {
  return { ok: false, reason: 'ONNX export needs @leaky/onnx, which this build does not include yet.' }
}

/**
 * The setup's layer as .onnx + JSON contract.
 * TODO(@leaky/onnx): build the sequence graph for layerSpec(setup) with its export API (an
 * `exportModel(spec, { steps })`-like call giving the model bytes and the contract), e.g.
 *   const { model, contract } = await exportModel(layerSpec(setup), { steps: setup.steps })
 *   return { onnx: new Blob([model], { type: 'application/octet-stream' }),
 *            contract: new Blob([JSON.stringify(contract, null, 2)], { type: 'application/json' }) }
 */
export async function exportOnnx(_setup: Setup): Promise<OnnxExport> {
  const availability = onnxExportAvailability()
  throw new Error(availability.ok ? 'exportOnnx is not wired up' : availability.reason)
}

/** Saves a blob through a temporary link (no server involved). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
