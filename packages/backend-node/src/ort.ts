// onnxruntime-node is CommonJS; its default export is the whole API.
import ort from 'onnxruntime-node'

export { ort }
export type OrtTensor = ort.Tensor
export type OrtSession = ort.InferenceSession
