import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { setupStores } from './stores/setup'
import './style.css'

const app = createApp(App).use(createPinia()).use(router)
setupStores()
app.mount('#app')
