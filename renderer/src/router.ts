import { createRouter, createWebHashHistory } from 'vue-router'
import BrowseView from './views/BrowseView.vue'
import EvaluateView from './views/EvaluateView.vue'
import ExportView from './views/ExportView.vue'
import ImportView from './views/ImportView.vue'
import RunsView from './views/RunsView.vue'
import TrainView from './views/TrainView.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/browse' },
    { path: '/browse', component: BrowseView },
    { path: '/import', component: ImportView },
    { path: '/train', component: TrainView },
    { path: '/runs', component: RunsView },
    { path: '/evaluate', component: EvaluateView },
    { path: '/export', component: ExportView },
  ],
})
