import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo } from '../../../preload/contract'
import { api } from '../api'

/** Which project the window has open (null: the Projects view is the only one that works). */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  async function refresh(): Promise<AppInfo> {
    info.value = await api.appInfo()
    return info.value
  }
  return { info, refresh }
})
