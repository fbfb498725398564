import { encodeModel, GraphBuilder } from '@leaky/onnx'
import { providerOptions } from './devices.js'
import { type OrtSession, type OrtTensor, ort } from './ort.js'

/**
 * Copies a tensor out as a Float32Array. A `gpu-buffer` tensor cannot be read with getData() in
 * onnxruntime-node (it aborts the process), so it goes through a one-node Identity session on the
 * WebGPU EP whose output lives on the CPU: onnxruntime then does the download itself.
 */
export async function readBack(t: OrtTensor): Promise<Float32Array> {
  if (t.location !== 'gpu-buffer') return (t.data as Float32Array).slice()
  const session = await identity(t.dims.length)
  const out = await session.run({ x: t })
  return (out.y as OrtTensor).data as Float32Array
}

const identities = new Map<number, Promise<OrtSession>>()

function identity(rank: number): Promise<OrtSession> {
  let session = identities.get(rank)
  if (!session) {
    const g = new GraphBuilder('read_back')
    const dims = Array.from({ length: rank }, (_, k) => `d${k}`)
    const x = g.input('x', dims)
    g.output('y', g.op('Identity', [x], {}, 'copy'), dims)
    session = ort.InferenceSession.create(encodeModel(g), {
      ...providerOptions('webgpu'),
      logSeverityLevel: 3,
    })
    identities.set(rank, session)
  }
  return session
}
