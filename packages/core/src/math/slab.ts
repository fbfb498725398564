/**
 * Float32 buffers for the states of small steps, cut from shared slabs. A typed array of its own
 * costs ~1–2 µs to allocate (a backing store, zeroing, GC accounting): as much as the arithmetic of
 * a 1000-neuron step. A view into a slab costs a small object. A slab is freed by the garbage
 * collector once no view of it is left; holding on to one old state keeps at most one slab
 * (SLAB_FLOATS · 4 bytes = 256 kB) alive.
 */
const SLAB_FLOATS = 1 << 16
/** Requests larger than this get an array of their own. */
const LARGEST_CUT = SLAB_FLOATS >> 4

let slab = new Float32Array(0)
let used = 0

export function takeFloats(length: number): Float32Array {
  if (length > LARGEST_CUT) return new Float32Array(length)
  if (used + length > slab.length) {
    slab = new Float32Array(SLAB_FLOATS)
    used = 0
  }
  const view = slab.subarray(used, used + length)
  used += length
  return view
}
