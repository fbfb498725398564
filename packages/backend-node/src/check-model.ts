import { FormatError } from '@leaky/core'
import { type ModelContract, readModelContract } from '@leaky/onnx'
import { ort } from './ort.js'

/**
 * Loads .onnx bytes someone handed us (a file from `leaky export`, a download) into onnxruntime-node
 * and returns the model's leaky contract. The bytes are checked by readModelContract first (protobuf,
 * metadata, contract vs graph), then by onnxruntime itself; every refusal is a FormatError, so
 * corrupt, truncated or random bytes never reach a caller as a runtime's own exception.
 */
export async function checkModel(bytes: Uint8Array): Promise<ModelContract> {
  const contract = readModelContract(bytes)
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], logSeverityLevel: 4 })
  } catch (error) {
    throw new FormatError(`onnxruntime-node cannot load the model: ${firstLine(error)}`, { cause: error })
  }
  try {
    const names = (ts: readonly { name: string }[]) => ts.map((t) => t.name).join(', ')
    if (names(contract.inputs) !== session.inputNames.join(', ')) {
      throw new FormatError(
        `onnxruntime-node sees inputs ${session.inputNames.join(', ')}, the contract names ${names(contract.inputs)}`,
      )
    }
  } finally {
    await session.release()
  }
  return contract
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
}
