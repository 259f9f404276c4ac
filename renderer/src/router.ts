import { createRouter, createWebHashHistory } from 'vue-router'
import { useAppStore } from './stores/app'
import BrowseView from './views/BrowseView.vue'
import EvaluateView from './views/EvaluateView.vue'
import ExportView from './views/ExportView.vue'
import HealthView from './views/HealthView.vue'
import ImportView from './views/ImportView.vue'
import LabelNextView from './views/LabelNextView.vue'
import ProjectsView from './views/ProjectsView.vue'
import ReviewView from './views/ReviewView.vue'
import SettingsView from './views/SettingsView.vue'
import RunsView from './views/RunsView.vue'
import TrainView from './views/TrainView.vue'
import TryView from './views/TryView.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/browse' },
    { path: '/projects', component: ProjectsView },
    { path: '/browse', component: BrowseView },
    { path: '/import', component: ImportView },
    { path: '/health', component: HealthView },
    { path: '/review', component: ReviewView },
    { path: '/label-next', component: LabelNextView },
    { path: '/train', component: TrainView },
    { path: '/runs', component: RunsView },
    { path: '/evaluate', component: EvaluateView },
    { path: '/try', component: TryView },
    { path: '/export', component: ExportView },
    { path: '/settings', component: SettingsView },
  ],
})

// Without an open project, every view but Projects sends the user there.
router.beforeEach(async (to) => {
  const app = useAppStore()
  const info = app.info ?? (await app.refresh().catch(() => null))
  if (to.path !== '/projects' && !info?.project) return '/projects'
  return true
})
