import { createRouter, createWebHashHistory, type RouteComponent } from 'vue-router'
import { useAppStore } from './stores/app'
import BrowseView from './views/BrowseView.vue'
import ProjectsView from './views/ProjectsView.vue'

// Browse (where an open project lands) and Projects (where Studio starts without one) come with the
// page; every other view is its own chunk, so the first screen does not wait for the code of Train,
// Evaluate, Explain and the rest to load and run. Once the first view is up and the page is idle,
// `prefetchViews` fetches the other chunks, so a later click on any view is as instant as before the
// split (a view fetched on the click would leave the previous view on screen until it arrived).
const lazyViews: Record<string, () => Promise<RouteComponent>> = {
  '/import': () => import('./views/ImportView.vue'),
  '/health': () => import('./views/HealthView.vue'),
  '/review': () => import('./views/ReviewView.vue'),
  '/label-next': () => import('./views/LabelNextView.vue'),
  '/train': () => import('./views/TrainView.vue'),
  '/runs': () => import('./views/RunsView.vue'),
  '/evaluate': () => import('./views/EvaluateView.vue'),
  '/try': () => import('./views/TryView.vue'),
  '/export': () => import('./views/ExportView.vue'),
  '/settings': () => import('./views/SettingsView.vue'),
}

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/browse' },
    { path: '/projects', component: ProjectsView },
    { path: '/browse', component: BrowseView },
    ...Object.entries(lazyViews).map(([path, component]) => ({ path, component })),
  ],
})

/** Milliseconds after the first view before the prefetch may start: its thumbnails come first. */
const PREFETCH_DELAY_MS = 300

/**
 * Fetches every lazily loaded view in the background, once the page is idle after its first view.
 * A chunk that fails to arrive (offline dev server, a stale build) is left to the click, which then
 * fetches it again and reports the failure where the user sees it.
 */
export function prefetchViews(): void {
  const whenIdle = (run: () => void): void => {
    if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(run, { timeout: 2000 })
    else setTimeout(run, 0)
  }
  setTimeout(
    () =>
      whenIdle(() => {
        for (const load of Object.values(lazyViews)) void load().catch(() => undefined)
      }),
    PREFETCH_DELAY_MS,
  )
}

// Without an open project, every view but Projects sends the user there.
router.beforeEach(async (to) => {
  const app = useAppStore()
  const info = app.info ?? (await app.refresh().catch(() => null))
  if (to.path !== '/projects' && !info?.project) return '/projects'
  return true
})
