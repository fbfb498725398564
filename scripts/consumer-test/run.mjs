// The packages as a stranger gets them: `pnpm pack` every public package, install the tarballs with
// npm into fresh projects outside the repo, and use them there (ESM, require(), tsc, two copies of
// core, a Vite app in headless Chromium, the CLI through npx). Prints `consumer: N passed, M failed`
// and writes the same counts to scripts/consumer-test/.result.json for the test summary.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, extname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const fixtures = join(here, 'fixtures')
const PUBLIC = [
  'packages/core',
  'packages/onnx',
  'packages/backend-node',
  'packages/backend-web',
  'packages/interop',
  'packages/bench',
  'packages/wasm-simd',
  'packages/serve',
  'apps/cli',
]
const THIRD_PARTY = { typescript: '5.9.3', '@types/node': '20.19.43', vite: '7.3.8' }
const work = mkdtempSync(join(tmpdir(), 'leaky-consumer-'))
const results = []

// onnxruntime-node's install script would download CUDA libraries (backend-node's README).
const env = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  LEAKY_CACHE_DIR: join(work, 'cache'),
  LEAKY_DATA_DIR: join(work, 'data'),
}
for (const key of Object.keys(env))
  if (
    key.startsWith('npm_') &&
    ![
      'npm_config_audit',
      'npm_config_fund',
      'npm_config_update_notifier',
      'npm_config_cache',
      'npm_config_registry',
    ].includes(key)
  )
    delete env[key]

function sh(cmd, args, cwd, timeout = 300_000) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout })
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal}):\n${(r.stdout ?? '').slice(-2000)}${(r.stderr ?? '').slice(-3000)}`,
    )
  return r.stdout
}

async function check(name, fn) {
  const started = Date.now()
  try {
    const note = await fn()
    results.push({ name, ok: true })
    console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`)
  } catch (error) {
    results.push({ name, ok: false, error: String(error?.message ?? error) })
    console.log(`  × ${name}\n${String(error?.stack ?? error).replace(/^/gm, '      ')}`)
  }
}

function project(name, deps, devDeps = {}) {
  const dir = join(work, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: `consumer-${name}`,
        private: true,
        type: 'module',
        dependencies: deps,
        devDependencies: devDeps,
      },
      null,
      2,
    ),
  )
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir, 600_000)
  return dir
}

console.log(`consumer test in ${work}`)
const tgz = join(work, 'tarballs')
mkdirSync(tgz)
const tarballs = {}
await check('pnpm pack every public package', () => {
  for (const dir of PUBLIC) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    sh('pnpm', ['pack', '--pack-destination', tgz], join(root, dir))
    const file = readdirSync(tgz).find((f) =>
      f.startsWith(`${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}`),
    )
    if (!file) throw new Error(`no tarball for ${pkg.name}`)
    tarballs[pkg.name] = join(tgz, file)
  }
  return Object.keys(tarballs).join(', ')
})
await check(
  'tarballs: workspace:* rewritten, MIT LICENSE and README in, no src, tests or source maps',
  () => {
    const lines = []
    for (const path of Object.values(tarballs)) {
      const file = path.split('/').pop()
      const list = execFileSync('tar', ['tzvf', path], { encoding: 'utf8' }).trim().split('\n')
      const names = list.map((l) => l.split(/\s+/).pop())
      lines.push(
        `${file} ${statSync(path).size} bytes`,
        ...list.map((l) => `    ${l.split(/\s+/)[2]} ${l.split(/\s+/).pop()}`),
      )
      for (const required of ['package/LICENSE', 'package/README.md', 'package/package.json'])
        if (!names.includes(required)) throw new Error(`${file} lacks ${required}`)
      const bad = names.filter((n) =>
        /^package\/(src|test)\/|\.map$|\.test\.|tsconfig|vitest\.config/.test(n),
      )
      if (bad.length) throw new Error(`${file} ships ${bad.join(', ')}`)
      const manifest = execFileSync('tar', ['xzfO', path, 'package/package.json'], { encoding: 'utf8' })
      if (manifest.includes('workspace:'))
        throw new Error(`${file}: package.json still has workspace: ranges`)
      if (JSON.parse(manifest).license !== 'MIT') throw new Error(`${file}: license is not MIT`)
      const license = execFileSync('tar', ['xzfO', path, 'package/LICENSE'], { encoding: 'utf8' })
      if (license !== readFileSync(join(root, 'LICENSE'), 'utf8'))
        throw new Error(`${file}: LICENSE differs from the root's`)
    }
    writeFileSync(join(here, '.tarballs.txt'), `${lines.join('\n')}\n`)
    return 'contents and sizes in scripts/consumer-test/.tarballs.txt'
  },
)

const deps = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]))
let node
await check(
  'npm install of every tarball into a fresh project (ONNXRUNTIME_NODE_INSTALL=skip, no browser driver pulled)',
  () => {
    node = project('node', deps, {
      typescript: THIRD_PARTY.typescript,
      '@types/node': THIRD_PARTY['@types/node'],
    })
    const tree = sh('npm', ['ls', '--all', '--parseable'], node)
    if (/playwright/.test(tree)) throw new Error('the install pulled playwright')
    return `${tree.trim().split('\n').length} packages`
  },
)
if (node) {
  await check('Node ESM import of every package + a layer on js, node-cpu and web-wasm', () => {
    cpSync(join(fixtures, 'node-esm.mjs'), join(node, 'node-esm.mjs'))
    return sh('node', ['node-esm.mjs'], node).trim()
  })
  await check('Node require() of every package (require(esm), Node >= 20.19) + a layer run', () => {
    cpSync(join(fixtures, 'node-require.cjs'), join(node, 'node-require.cjs'))
    return sh('node', ['node-require.cjs'], node).trim()
  })
  for (const [resolution, mod] of [
    ['bundler', 'esnext'],
    ['node16', 'node16'],
  ]) {
    await check(`tsc --noEmit, strict, skipLibCheck: false, moduleResolution ${resolution}`, () => {
      cpSync(join(fixtures, 'types.ts'), join(node, 'types.ts'))
      const config = {
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          target: 'es2022',
          lib: ['es2022', 'dom'],
          module: mod,
          moduleResolution: resolution,
          types: ['node'],
        },
        files: ['types.ts'],
      }
      writeFileSync(join(node, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2))
      sh(join(node, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${resolution}.json`], node)
    })
  }
  await check('two copies of @leaky/core in one tree see every backend', () => {
    // A nested copy under backend-web with another version, as npm installs it when ranges differ.
    const nested = join(node, 'node_modules', '@leaky', 'backend-web', 'node_modules', '@leaky', 'core')
    mkdirSync(nested, { recursive: true })
    sh('tar', ['xzf', tarballs['@leaky/core'], '-C', nested, '--strip-components=1'], node)
    const manifest = JSON.parse(readFileSync(join(nested, 'package.json'), 'utf8'))
    writeFileSync(
      join(nested, 'package.json'),
      JSON.stringify({ ...manifest, version: `${manifest.version}-copy` }),
    )
    rmSync(join(nested, 'node_modules'), { recursive: true, force: true })
    cpSync(join(fixtures, 'two-copies.mjs'), join(node, 'two-copies.mjs'))
    try {
      return sh('node', ['two-copies.mjs'], node).trim()
    } finally {
      rmSync(join(node, 'node_modules', '@leaky', 'backend-web', 'node_modules'), {
        recursive: true,
        force: true,
      })
    }
  })
  await check('npx leaky (the packed @leaky/cli): --version, bare usage, bench --quick', () => {
    const version = sh('npx', ['--no-install', 'leaky', '--version'], node).trim()
    if (version !== JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).version)
      throw new Error(`--version printed ${version}`)
    const bare = spawnSync('npx', ['--no-install', 'leaky'], { cwd: node, env, encoding: 'utf8' })
    if (bare.status !== 2 || !/usage: leaky/.test(bare.stderr))
      throw new Error(`bare leaky: exit ${bare.status}`)
    const out = sh(
      'npx',
      [
        '--no-install',
        'leaky',
        'bench',
        '--quick',
        '--backend',
        'js,node-cpu,web-wasm',
        '--workload',
        'step-1e3,ff-1e3',
      ],
      node,
    )
    const written = readdirSync(join(env.LEAKY_DATA_DIR, 'bench')).filter((f) => f.endsWith('.json'))
    if (written.length !== 1)
      throw new Error(`bench wrote ${written.join(', ') || 'nothing'} to $LEAKY_DATA_DIR/bench`)
    const report = JSON.parse(readFileSync(join(env.LEAKY_DATA_DIR, 'bench', written[0]), 'utf8'))
    if (report.schemaVersion !== 1 || !report.results.every((r) => r.correct))
      throw new Error('bench report: not every backend correct')
    const calibrated = sh(
      'npx',
      ['--no-install', 'leaky', 'backends', '--explain', '--neurons', '1000', '--steps', '100'],
      node,
    )
    if (!/figures from .*calibration\.json/.test(calibrated))
      throw new Error(`backends --explain does not use the calibration:\n${calibrated}`)
    return (out.match(/recommended backend for this machine: \S+/) ?? [''])[0]
  })
}

let vite
await check("a fresh Vite app per backend-web's README builds with exactly one .wasm", () => {
  vite = project(
    'vite',
    {
      '@leaky/core': deps['@leaky/core'],
      '@leaky/onnx': deps['@leaky/onnx'],
      '@leaky/backend-web': deps['@leaky/backend-web'],
    },
    { vite: THIRD_PARTY.vite },
  )
  cpSync(join(fixtures, 'vite-app'), vite, { recursive: true })
  sh(join(vite, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'error'], vite)
  const wasm = []
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true }))
      f.isDirectory()
        ? walk(join(d, f.name))
        : f.name.endsWith('.wasm') && wasm.push(relative(join(vite, 'dist'), join(d, f.name)))
  }
  walk(join(vite, 'dist'))
  if (wasm.length !== 1) throw new Error(`dist holds ${wasm.length} .wasm files: ${wasm.join(', ')}`)
  return wasm[0]
})
if (vite && existsSync(join(vite, 'dist', 'index.html'))) {
  await check(
    'the built app runs a layer on web-wasm in headless Chromium (nothing fetched off-origin)',
    async () => {
      const { openChromium } = await import(join(root, 'packages', 'chromium', 'dist', 'index.js'))
      const dist = join(vite, 'dist')
      const types = {
        '.html': 'text/html',
        '.js': 'text/javascript',
        '.mjs': 'text/javascript',
        '.wasm': 'application/wasm',
      }
      const server = createServer((req, res) => {
        const path = join(dist, new URL(req.url, 'http://x').pathname.replace(/\/$/, '/index.html'))
        if (!path.startsWith(dist) || !existsSync(path)) return res.writeHead(404).end()
        res.writeHead(200, {
          'Content-Type': types[extname(path)] ?? 'application/octet-stream',
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
        })
        createReadStream(path).pipe(res)
      })
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
      const session = await openChromium()
      try {
        await session.page.goto(`http://127.0.0.1:${server.address().port}/`)
        await session.page.waitForFunction(() => window.__leaky !== undefined, undefined, {
          timeout: 120_000,
        })
        const result = await session.page.evaluate(() => window.__leaky)
        if (result.failed) throw new Error(result.failed)
        if (result.backend !== 'web-wasm' || !(result.error <= 1e-5)) throw new Error(JSON.stringify(result))
        const offOrigin = session.requests.filter((u) => new URL(u).hostname !== '127.0.0.1')
        if (offOrigin.length) throw new Error(`requested ${offOrigin.join(', ')}`)
        const wasmRequests = session.requests.filter((u) => u.endsWith('.wasm'))
        return `web-wasm error ${result.error.toExponential(1)} vs js; loaded ${wasmRequests.map((u) => new URL(u).pathname).join(', ')}`
      } finally {
        await session.close()
        server.close()
      }
    },
  )
}

const passed = results.filter((r) => r.ok).length
const failed = results.length - passed
writeFileSync(join(here, '.result.json'), `${JSON.stringify({ passed, failed, results }, null, 2)}\n`)
console.log(`consumer: ${passed} passed, ${failed} failed`)
if (failed === 0 && !process.env.LEAKY_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true })
process.exitCode = failed > 0 ? 1 : 0
