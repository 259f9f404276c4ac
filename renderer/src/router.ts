import { createRouter, createWebHashHistory } from 'vue-router'
import BrowseView from './views/BrowseView.vue'
import ImportView from './views/ImportView.vue'
import RunsView from './views/RunsView.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/browse' },
    { path: '/browse', component: BrowseView },
    { path: '/import', component: ImportView },
    { path: '/runs', component: RunsView },
  ],
})
