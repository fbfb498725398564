// Unpacks payload.tar.br (brotli: Node's zlib has it, so the target needs no xz) into a folder, with tar.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { brotliDecompressSync } from 'node:zlib'

const [payload, into] = process.argv.slice(2)
const tar = brotliDecompressSync(readFileSync(payload))
const r = spawnSync('tar', ['-x', '-C', into], {
  input: tar,
  stdio: ['pipe', 'inherit', 'inherit'],
  maxBuffer: 2 ** 31,
})
process.exit(r.status ?? 1)
