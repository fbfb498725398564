import { LeakyError } from '@leaky/core'

/**
 * A request the server refuses, with the HTTP status KServe clients read: 400 malformed, 404 unknown
 * model or route, 405 wrong method, 413 too large, 429 over a limit, 503 shutting down. The body is
 * KServe's error object `{"error": message}`.
 */
export class RequestError extends LeakyError {
  readonly status: number
  constructor(status: number, message: string) {
    super(
      status === 413 || status === 429 ? 'E_CAPACITY' : status === 503 ? 'E_UNAVAILABLE' : 'E_FORMAT',
      message,
    )
    this.status = status
  }
}

export const badRequest = (message: string) => new RequestError(400, message)
