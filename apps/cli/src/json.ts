/**
 * The layout version of every JSON document `leaky` prints or writes (`--json`, bench reports, the
 * calibration): a consumer checks `schemaVersion` before reading; it changes when a field's meaning
 * or shape does.
 */
export const SCHEMA_VERSION = 1

/** `body` as a versioned JSON document, pretty-printed with a final newline. */
export function jsonDocument(body: Record<string, unknown>): string {
  return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...body }, null, 2)}\n`
}
