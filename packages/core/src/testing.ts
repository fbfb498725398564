/**
 * @leaky/core/testing: hooks for tests only. They change process-wide state (every copy of core
 * shares the registry), so never call them from library code.
 */
export { resetRegistry } from './backend/registry.js'
