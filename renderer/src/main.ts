import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { prefetchViews, router } from './router'
import { setupStores } from './stores/setup'
import './style.css'

const app = createApp(App).use(createPinia()).use(router)
app.mount('#app')
// The stores that follow the engine start once the first view is on screen and has asked for its
// data: their requests (training presets, backbones…) then queue behind the first page's, not before.
void router.isReady().then(() => {
  setTimeout(setupStores, 0)
  prefetchViews()
})
