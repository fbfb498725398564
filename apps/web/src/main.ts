import './style.css'
import { availableBackends, backendStatuses, loadBackends } from './backends/backends.js'
import type { BenchView } from './bench/bench-view.js'
import { Explorer } from './explorer/explorer.js'
import type { Setup } from './setup/setup.js'
import { setupFromQuery, setupToQuery } from './setup/url.js'
import { snapshotOf } from './test-hook/snapshot.js'
import { installTestHook } from './test-hook/test-hook.js'

/** Views by hash: #explorer (the default) and #bench, optionally #bench/<scale>. */
type Route = { view: 'explorer' } | { view: 'bench'; scale: string | undefined }

function route(hash: string): Route {
  const [view, scale] = hash.replace(/^#/, '').split('/')
  return view === 'bench' ? { view: 'bench', scale } : { view: 'explorer' }
}

async function main(): Promise<void> {
  await loadBackends()
  const statuses = await backendStatuses()
  let setup: Setup = setupFromQuery(location.search)
  const notice = document.getElementById('notice') as HTMLElement
  if (!availableBackends(statuses).includes(setup.backend as never)) {
    const why = statuses.find((s) => s.name === setup.backend)?.reason ?? 'unknown backend'
    notice.textContent = `The link asked for backend “${setup.backend}”, which cannot run here (${why}); using js.`
    notice.hidden = false
    setup = { ...setup, backend: 'js' }
  }

  const writeUrl = (s: Setup) => history.replaceState(null, '', `?${setupToQuery(s)}${location.hash}`)
  const explorer = new Explorer(setup, statuses, writeUrl)
  const app = document.getElementById('app') as HTMLElement
  app.replaceChildren(explorer.element)
  writeUrl(setup)

  // The benchmark page is its own chunk: the explorer's first paint does not wait for it.
  let bench: BenchView | undefined
  let benchLoading: Promise<BenchView> | undefined
  const loadBench = () => {
    benchLoading ??= import('./bench/bench-view.js').then(({ BenchView }) => {
      bench = new BenchView(statuses, 'browser')
      app.append(bench.element)
      return bench
    })
    return benchLoading
  }

  const tabs = [...document.querySelectorAll<HTMLAnchorElement>('nav a[data-view]')]
  const show = async () => {
    const r = route(location.hash)
    explorer.element.hidden = r.view !== 'explorer'
    for (const tab of tabs) {
      if (tab.dataset.view === r.view) tab.setAttribute('aria-current', 'page')
      else tab.removeAttribute('aria-current')
    }
    if (bench) bench.element.hidden = r.view !== 'bench'
    if (r.view === 'bench') {
      const view = await loadBench()
      view.element.hidden = route(location.hash).view !== 'bench'
      if (r.scale) view.setScale(r.scale)
    }
  }
  window.addEventListener('hashchange', () => void show())
  await show()

  installTestHook({
    setup: () => explorer.setup,
    runs: () => explorer.runs,
    settled: async () => {
      await explorer.settled()
      return snapshotOf(explorer)
    },
    snapshot: () => snapshotOf(explorer),
    bench: {
      state: () => bench?.state ?? 'idle',
      rows: () => bench?.rows ?? [],
      settled: async () => (benchLoading ? (await benchLoading).settled() : []),
    },
  })
  explorer.start()
}

main().catch((error: unknown) => {
  const notice = document.getElementById('notice')
  if (notice) {
    notice.textContent = `The app failed to start: ${error instanceof Error ? error.message : String(error)}`
    notice.hidden = false
  }
  throw error
})
