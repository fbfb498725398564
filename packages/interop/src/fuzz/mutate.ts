/** A seeded generator of damaged files, so a failing case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    // xorshift32
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 0x100000000
  }
}

/** One damaged copy of `good`: flipped bytes, a truncation, a random splice, or noise. */
export function mutate(good: Uint8Array, random: () => number): { bytes: Uint8Array; how: string } {
  const pick = (n: number) => Math.floor(random() * n)
  switch (pick(5)) {
    case 0: {
      const bytes = good.slice()
      const n = 1 + pick(16)
      for (let k = 0; k < n; k++) bytes[pick(bytes.length)] = pick(256)
      return { bytes, how: `${n} random bytes` }
    }
    case 1: {
      // Damage where the structure lives: the first 512 bytes (headers, superblock, root group).
      const bytes = good.slice()
      const n = 1 + pick(4)
      for (let k = 0; k < n; k++) {
        const at = pick(Math.min(512, bytes.length))
        bytes[at] = (bytes[at] as number) ^ (1 << pick(8))
      }
      return { bytes, how: `${n} bit flips in the first 512 bytes` }
    }
    case 2: {
      const length = pick(good.length)
      return { bytes: good.slice(0, length), how: `truncated to ${length}` }
    }
    case 3: {
      const at = pick(good.length)
      const length = 1 + pick(64)
      const bytes = new Uint8Array(good.length + length)
      bytes.set(good.subarray(0, at))
      for (let k = 0; k < length; k++) bytes[at + k] = pick(256)
      bytes.set(good.subarray(at), at + length)
      return { bytes, how: `${length} bytes inserted at ${at}` }
    }
    default: {
      const bytes = Uint8Array.from({ length: pick(4096) }, () => pick(256))
      return { bytes, how: `${bytes.length} random bytes` }
    }
  }
}
