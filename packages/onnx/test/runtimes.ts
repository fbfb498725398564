/**
 * onnxruntime-node (CPU EP) and onnxruntime-web (wasm, in Node) behind one small interface, so the
 * tests run the same bytes on both real runtimes.
 */
import * as ortNode from 'onnxruntime-node'
import * as ortWeb from 'onnxruntime-web'

export interface Feed {
  readonly data: Float32Array
  readonly dims: readonly number[]
}

export interface Session {
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  run(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>>
  release(): Promise<void>
}

export interface Runtime {
  readonly name: string
  createSession(model: Uint8Array): Promise<Session>
}

type Ort = typeof ortNode | typeof ortWeb

function runtimeFor(name: string, ort: Ort, options: Record<string, unknown>): Runtime {
  return {
    name,
    async createSession(model) {
      const session = await ort.InferenceSession.create(model, options as never)
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        async run(feeds) {
          const tensors: Record<string, unknown> = {}
          for (const [k, t] of Object.entries(feeds)) tensors[k] = new ort.Tensor('float32', t.data, t.dims)
          const out = await session.run(tensors as never)
          const result: Record<string, Float32Array> = {}
          for (const [k, t] of Object.entries(out)) result[k] = (t as { data: Float32Array }).data
          return result
        },
        release: () => session.release(),
      }
    },
  }
}

export const nodeCpu: Runtime = runtimeFor('node-cpu', ortNode, { executionProviders: ['cpu'] })

ortWeb.env.wasm.numThreads = 1
export const webWasm: Runtime = runtimeFor('web-wasm', ortWeb, { executionProviders: ['wasm'] })

export const RUNTIMES: readonly Runtime[] = [nodeCpu, webWasm]
