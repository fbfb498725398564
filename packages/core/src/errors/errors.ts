/**
 * Every error leaky throws on purpose is a LeakyError with a stable `code`, so callers (and the
 * conformance kit) can tell the kinds apart on every backend without parsing messages.
 */
export type LeakyErrorCode =
  | 'E_SHAPE'
  | 'E_DTYPE'
  | 'E_PARAMETER'
  | 'E_NON_FINITE'
  | 'E_DISPOSED'
  | 'E_UNAVAILABLE'
  | 'E_UNSUPPORTED'
  | 'E_CAPACITY'
  | 'E_FORMAT'
  | 'E_BACKEND'

/** The base class of every error leaky raises on purpose; `code` names the kind. */
export class LeakyError extends Error {
  readonly code: LeakyErrorCode
  constructor(code: LeakyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A tensor whose shape does not fit: input vs state vs weights vs per-neuron parameters. */
export class ShapeError extends LeakyError {
  constructor(message: string) {
    super('E_SHAPE', message)
  }
}

/** Data that is not a Float32Array where one is required (leaky never converts silently). */
export class DTypeError extends LeakyError {
  constructor(message: string) {
    super('E_DTYPE', message)
  }
}

/** A parameter, dt or layer size that is not usable: non-finite, non-positive, not an integer. */
export class ParameterError extends LeakyError {
  constructor(message: string) {
    super('E_PARAMETER', message)
  }
}

/** NaN or ±Inf in an input, with `checkFinite` switched on. */
export class NonFiniteError extends LeakyError {
  constructor(message: string) {
    super('E_NON_FINITE', message)
  }
}

/** A layer or state handle used after dispose(). */
export class DisposedError extends LeakyError {
  constructor(message: string) {
    super('E_DISPOSED', message)
  }
}

/** What a backend cannot do here, with the reason a person can act on. */
export class BackendUnavailableError extends LeakyError {
  /** Each backend that was considered, with why it could not be used. */
  readonly reasons: readonly { backend: string; reason: string }[]
  constructor(message: string, reasons: readonly { backend: string; reason: string }[] = []) {
    super('E_UNAVAILABLE', message)
    this.reasons = reasons
  }
}

/** A request leaky does not support (an unknown graph kind, a node type it cannot map). */
export class UnsupportedError extends LeakyError {
  constructor(message: string) {
    super('E_UNSUPPORTED', message)
  }
}

/** A layer or call too large to allocate, refused before memory runs out. */
export class CapacityError extends LeakyError {
  constructor(message: string) {
    super('E_CAPACITY', message)
  }
}

/** A file or document that is not in the format it claims (golden JSON, .npy, .nir, .onnx). */
export class FormatError extends LeakyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_FORMAT', message, options)
  }
}

/** The runtime under a backend failed (a session threw); the message says whether the layer survives. */
export class BackendError extends LeakyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BACKEND', message, options)
  }
}
