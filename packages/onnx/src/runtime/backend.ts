import { type Availability, resolveSpec } from '@leaky/core'
import { layerModel } from '../model/layer-model.js'
import type { OrtRuntime, SessionOptions } from './runtime.js'

/** A probe per device, run once: later calls share the first answer. */
export function probeOnce<D>(
  probe: (device: D) => Promise<Availability>,
): (device: D) => Promise<Availability> {
  const probes = new Map<D, Promise<Availability>>()
  return (device) => {
    let result = probes.get(device)
    if (!result) {
      result = probe(device)
      probes.set(device, result)
    }
    return result
  }
}

/**
 * Whether a device works, found by doing the real thing once: create (and release) a session of the
 * LI step graph with these options. Undefined when it worked, else the error's first line.
 */
export async function trySession(runtime: OrtRuntime, options: SessionOptions): Promise<string | undefined> {
  try {
    const { bytes } = layerModel(resolveSpec({ neurons: 4 }), { graph: 'step' })
    const session = await runtime.createSession(bytes, { ...options, logSeverityLevel: 4 })
    await session.release()
    return undefined
  } catch (error) {
    return firstLine(error)
  }
}

export function firstLine(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      .trim()
      .split('\n')[0] ?? ''
  )
}
