import { jsDeclaration } from '../js-backend/js-backend.js'
import { costs } from './costs.js'
import type { BackendDeclaration, Device } from './types.js'

/** A declaration for tests: runs on the js math unless `probe`/`create` say otherwise. */
export function declaration(
  name: string,
  device: Device,
  priority: number,
  overrides: Partial<BackendDeclaration> = {},
): BackendDeclaration {
  return {
    ...jsDeclaration,
    costs: costs([2e-6, 3e8], [2e-6, 3e8], 4e8),
    name,
    device,
    priority,
    ...overrides,
  }
}

export const unavailable = (reason: string): Partial<BackendDeclaration> => ({
  probe: async () => ({ ok: false, reason }),
  create: () => {
    throw new Error('unreachable')
  },
})
