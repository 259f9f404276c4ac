import { createRouter, createWebHashHistory } from 'vue-router'
import { useAppStore } from './stores/app'
import BrowseView from './views/BrowseView.vue'
import ProjectsView from './views/ProjectsView.vue'

// Browse (where an open project lands) and Projects (where Studio starts without one) come with the
// page; every other view is its own chunk, fetched when first visited, so the first screen does not
// wait for the code of Train, Evaluate, Explain and the rest to load and run.

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/browse' },
    { path: '/projects', component: ProjectsView },
    { path: '/browse', component: BrowseView },
    { path: '/import', component: () => import('./views/ImportView.vue') },
    { path: '/health', component: () => import('./views/HealthView.vue') },
    { path: '/review', component: () => import('./views/ReviewView.vue') },
    { path: '/label-next', component: () => import('./views/LabelNextView.vue') },
    { path: '/train', component: () => import('./views/TrainView.vue') },
    { path: '/runs', component: () => import('./views/RunsView.vue') },
    { path: '/evaluate', component: () => import('./views/EvaluateView.vue') },
    { path: '/try', component: () => import('./views/TryView.vue') },
    { path: '/export', component: () => import('./views/ExportView.vue') },
    { path: '/settings', component: () => import('./views/SettingsView.vue') },
  ],
})

// Without an open project, every view but Projects sends the user there.
router.beforeEach(async (to) => {
  const app = useAppStore()
  const info = app.info ?? (await app.refresh().catch(() => null))
  if (to.path !== '/projects' && !info?.project) return '/projects'
  return true
})
