// Packs the GPU check into one folder (< 60 MiB) that a bare Linux x86-64 machine with an NVIDIA
// driver can run with nothing installed: this machine's node (gzip: every Debian-like system can
// unpack it), and in payload.tar.br (brotli, unpacked by that node) the CLI and gpu-bench bundled
// with esbuild, onnxruntime-node with only its linux-x64 library, Dawn (the webgpu package) with only
// its linux-x64 binary, Debian's Vulkan loader (libvulkan1's .deb) and C++ runtime, the golden files.
//
//   node scripts/gpu-check/pack.mjs [--out DIR]     (after `pnpm install`; builds what it needs)
//   … --quality 4                                  faster, larger (brotli quality, default 9)
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { brotliCompressSync, constants } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')
const { values } = parseArgs({ options: { out: { type: 'string' }, quality: { type: 'string' } } })
const out = resolve(values.out ?? join(tmpdir(), 'leaky-gpu-check'))
const LIMIT = 60 * 2 ** 20
const quality = Number(values.quality ?? 9)

const run = (cmd, args, options = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...options })
const step = (what) => process.stderr.write(`pack: ${what}\n`)

/** The real folder of a package as pnpm installed it for `fromPackage`. */
const packageDir = (name, fromPackage) => {
  const link = join(root, fromPackage, 'node_modules', name)
  if (!existsSync(link)) throw new Error(`${name} is not installed for ${fromPackage}: run pnpm install`)
  return execFileSync('readlink', ['-f', link], { encoding: 'utf8' }).trim()
}

step('building the packages')
run('pnpm', ['--filter', '@leaky/cli...', '--filter', '@leaky/webgpu-wgsl...', 'build'], {
  stdio: ['ignore', 'ignore', 'inherit'],
})

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const stage = mkdtempSync(join(tmpdir(), 'leaky-gpu-stage-'))
const app = join(stage, 'app')
const lib = join(stage, 'lib')
mkdirSync(join(app, 'node_modules'), { recursive: true })
mkdirSync(lib)

step('bundling leaky and gpu-bench with esbuild')
const esbuild = (await import(join(packageDir('esbuild', 'packages/webgpu-wgsl'), 'lib/main.js'))).default
await esbuild.build({
  entryPoints: { leaky: join(here, 'leaky-entry.ts'), 'gpu-bench': join(here, 'gpu-bench.ts') },
  outdir: app,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The workspace packages as the CLI sees them, and webgpu-wgsl (not yet one of the CLI's dependencies).
  nodePaths: [join(root, 'apps/cli/node_modules')],
  alias: { '@leaky/webgpu-wgsl': join(root, 'packages/webgpu-wgsl/dist/index.js') },
  external: ['onnxruntime-node', 'webgpu'],
  // protobufjs and other CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __leakyRequire } from 'node:module'; const require = __leakyRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'error',
})
// The C limit (compiled there if the machine has gcc) and the golden files, where the bundles look for them.
cpSync(join(root, 'packages/bench/c'), join(app, 'c'), { recursive: true })
cpSync(join(root, 'packages/core/golden'), join(app, 'golden'), { recursive: true })

step('onnxruntime-node (linux-x64 only), onnxruntime-common, webgpu (linux-x64 only)')
const ort = packageDir('onnxruntime-node', 'packages/backend-node')
const ortOut = join(app, 'node_modules/onnxruntime-node')
for (const part of ['package.json', 'dist']) cpSync(join(ort, part), join(ortOut, part), { recursive: true })
cpSync(join(ort, 'bin/napi-v6/linux/x64'), join(ortOut, 'bin/napi-v6/linux/x64'), { recursive: true })
const common = execFileSync('readlink', ['-f', join(ort, '../onnxruntime-common')], {
  encoding: 'utf8',
}).trim()
for (const part of ['package.json', 'dist'])
  cpSync(join(common, part), join(app, 'node_modules/onnxruntime-common', part), { recursive: true })
const dawn = packageDir('webgpu', 'packages/webgpu-wgsl')
const dawnOut = join(app, 'node_modules/webgpu')
for (const part of ['package.json', 'index.js', 'LICENSE.md']) cpSync(join(dawn, part), join(dawnOut, part))
cpSync(join(dawn, 'dist/linux-x64'), join(dawnOut, 'dist/linux-x64'), { recursive: true })

step("Debian's Vulkan loader (apt-get download libvulkan1) and this machine's libstdc++ / libgcc_s")
const debs = mkdtempSync(join(tmpdir(), 'leaky-deb-'))
run('apt-get', ['download', 'libvulkan1'], { cwd: debs, stdio: ['ignore', 'ignore', 'inherit'] })
const deb = readdirSync(debs).find((f) => f.endsWith('.deb'))
if (!deb) throw new Error('apt-get download libvulkan1 gave no .deb')
run('dpkg-deb', ['-x', join(debs, deb), join(debs, 'x')])
const vulkanDir = join(debs, 'x/usr/lib/x86_64-linux-gnu')
for (const f of readdirSync(vulkanDir)) cpSync(join(vulkanDir, f), join(lib, f), { verbatimSymlinks: true })
for (const f of ['libstdc++.so.6', 'libgcc_s.so.1'])
  cpSync(join('/lib/x86_64-linux-gnu', f), join(lib, f), { dereference: true })
writeFileSync(
  join(lib, 'SOURCES.txt'),
  `libvulkan: Debian ${deb}\nlibstdc++.so.6, libgcc_s.so.1: copied from the packing machine\n`,
)

step(`compressing (brotli quality ${quality}, gzip -9 for node)`)
const tar = execFileSync('tar', ['-c', '-C', stage, 'app', 'lib'], { maxBuffer: 2 ** 31 })
writeFileSync(
  join(out, 'payload.tar.br'),
  brotliCompressSync(tar, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: tar.length,
    },
  }),
)
writeFileSync(
  join(out, 'node.gz'),
  execFileSync('gzip', ['-9', '-c', process.execPath], { maxBuffer: 2 ** 31 }),
)
for (const f of ['run.sh', 'unpack.mjs', 'README.md']) cpSync(join(here, f), join(out, f))
rmSync(stage, { recursive: true, force: true })
rmSync(debs, { recursive: true, force: true })

const sizes = readdirSync(out).map((f) => [f, statSync(join(out, f)).size])
const total = sizes.reduce((s, [, n]) => s + n, 0)
for (const [f, n] of sizes) process.stderr.write(`  ${f.padEnd(16)} ${(n / 2 ** 20).toFixed(1)} MiB\n`)
process.stderr.write(
  `pack: ${out}: ${(total / 2 ** 20).toFixed(1)} MiB (limit 60 MiB), payload unpacked ${(tar.length / 2 ** 20).toFixed(0)} MiB\n`,
)
if (total > LIMIT) {
  process.stderr.write('pack: over the 60 MiB limit\n')
  process.exit(1)
}
