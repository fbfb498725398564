import type { Availability } from '@leaky/core'
import { exportModel } from '@leaky/onnx'
import type { Setup } from '../setup/setup.js'
import { layerSpec } from '../simulation/simulation.js'

/** What the download button produces: the layer as an .onnx graph and its JSON I/O contract. */
export interface OnnxExport {
  readonly onnx: Blob
  /** Input and output names, shapes, dtypes and the parameters baked in. */
  readonly contract: Blob
}

/** Export needs nothing but @leaky/onnx, which builds the model in the page. */
export function onnxExportAvailability(): Availability {
  return { ok: true }
}

/**
 * The setup's layer as the exact sequence graph (Scan over a symbolic T: any runtime, any length)
 * and its contract, built in the page with @leaky/onnx: nothing is sent anywhere.
 */
export async function exportOnnx(setup: Setup): Promise<OnnxExport> {
  const { onnx, contract } = exportModel(layerSpec(setup), { graph: 'sequence' })
  return {
    onnx: new Blob([onnx as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
    contract: new Blob([`${JSON.stringify(contract, null, 2)}\n`], { type: 'application/json' }),
  }
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
