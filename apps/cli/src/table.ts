/** The width tables must fit: the terminal's, else $COLUMNS, else 100 (pipes and files). */
export function terminalWidth(): number {
  const fromEnv = Number(process.env.COLUMNS)
  return process.stdout.columns || (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100)
}

/** A table column narrower than this is not shrunk further: the table then runs over. */
const MIN_WRAPPED = 16

/** Splits `text` into lines of at most `width` characters, at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    let rest = word
    while (rest.length > width) {
      if (line) lines.push(line)
      line = ''
      lines.push(rest.slice(0, width))
      rest = rest.slice(width)
    }
    if (!line) line = rest
    else if (line.length + 1 + rest.length <= width) line = `${line} ${rest}`
    else {
      lines.push(line)
      line = rest
    }
  }
  lines.push(line)
  return lines
}

/**
 * A plain text table: columns padded to their widest cell, numbers right-aligned. When it would be
 * wider than `width`, the widest text column is narrowed and its cells wrap onto more lines (only
 * here: --json output always has the whole text on one line).
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  width = terminalWidth(),
): string {
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)))
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'))
  const total = widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1)
  let wrapped = -1
  if (total > width) {
    const candidates = widths.map((w, c) => (numeric[c] ? -1 : w))
    wrapped = candidates.indexOf(Math.max(...candidates))
    const others = total - (widths[wrapped] ?? 0)
    widths[wrapped] = Math.max(MIN_WRAPPED, width - others, (header[wrapped] ?? '').length)
  }
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd()
  const lines = (r: readonly string[]): string[] => {
    if (wrapped < 0) return [line(r)]
    const parts = wrapText(r[wrapped] ?? '', widths[wrapped] ?? MIN_WRAPPED)
    return parts.map((part, k) => line(r.map((cell, c) => (c === wrapped ? part : k === 0 ? cell : ''))))
  }
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).flatMap(lines)].join('\n')
}
