/** max |a − b| / max(1, max |b|), NaN counting as infinitely wrong. */
export function relativeError(ours: Float32Array, reference: Float32Array): number {
  if (ours.length !== reference.length) return Number.POSITIVE_INFINITY
  let diff = 0
  let scale = 1
  for (let k = 0; k < reference.length; k++) {
    const d = Math.abs((ours[k] as number) - (reference[k] as number))
    diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d)
    scale = Math.max(scale, Math.abs(reference[k] as number))
  }
  return diff / scale
}
