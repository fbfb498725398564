import './style.css'
import { registeredBackends } from '@leaky/core'
import { backendStatuses, knownBackends, loadAllBackends, statusOf } from './backends/backends.js'
import type { BenchView } from './bench/bench-view.js'
import { h } from './explorer/dom.js'
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

/** A notice above the page that the reader can dismiss (it is not a live region: it is there at load). */
function showNotice(text: string): void {
  const notice = document.getElementById('notice') as HTMLElement
  const dismiss = h(
    'button',
    { type: 'button', id: 'notice-dismiss', 'aria-label': 'Dismiss notice' },
    'Dismiss',
  )
  dismiss.addEventListener('click', () => {
    notice.hidden = true
    document.getElementById('app')?.focus()
  })
  notice.replaceChildren(h('span', {}, text), dismiss)
  notice.hidden = false
}

/**
 * First paint needs only @leaky/core's js backend: the explorer is built and simulates at once.
 * Backend packages (onnxruntime-web) load when their backend is picked, or for the benchmark.
 */
async function main(): Promise<void> {
  const setup: Setup = setupFromQuery(location.search)
  const writeUrl = (s: Setup) => history.replaceState(null, '', `?${setupToQuery(s)}${location.hash}`)
  // Backends picked so far are checked (their package loaded and probed); others wait.
  const checked = new Set<string>(registeredBackends())
  const explorer = new Explorer(setup, await backendStatuses((name) => checked.has(name)), (s) => {
    writeUrl(s)
    if (!checked.has(s.backend)) {
      checked.add(s.backend)
      void refreshPicker()
    }
  })
  const refreshPicker = async () => explorer.showBackends(await backendStatuses((name) => checked.has(name)))
  const app = document.getElementById('app') as HTMLElement
  app.replaceChildren(explorer.element)
  writeUrl(setup)

  // A link may name a backend that is not in this build, or cannot run here: say so, use js.
  const linked = setup.backend
  const startLinked = async () => {
    if (!knownBackends().includes(linked)) await loadAllBackends()
    const status = await statusOf(linked)
    checked.add(linked)
    if (status.reason !== undefined) {
      showNotice(
        `The link asked for backend “${linked}”, which cannot run here (${status.reason}); using js.`,
      )
      explorer.patch({ backend: 'js' })
    }
    await refreshPicker()
  }

  // The benchmark page is its own chunk: the explorer's first paint does not wait for it.
  let bench: BenchView | undefined
  let benchLoading: Promise<BenchView> | undefined
  const loadBench = () => {
    benchLoading ??= import('./bench/bench-view.js').then(({ BenchView }) => {
      bench = new BenchView('browser')
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

  installTestHook({
    setup: () => explorer.setup,
    runs: () => explorer.runs,
    settled: async () => {
      await linkedChecked
      await explorer.settled()
      return snapshotOf(explorer)
    },
    snapshot: () => snapshotOf(explorer),
    timing: () => explorer.timing,
    bench: {
      state: () => bench?.state ?? 'idle',
      rows: () => bench?.rows ?? [],
      settled: async () => (benchLoading ? (await benchLoading).settled() : []),
    },
  })
  const linkedChecked = checked.has(linked) ? Promise.resolve() : startLinked()
  await linkedChecked
  explorer.start()
  await show()
}

main().catch((error: unknown) => {
  showNotice(`The app failed to start: ${error instanceof Error ? error.message : String(error)}`)
  throw error
})
