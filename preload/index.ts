import { contextBridge, ipcRenderer } from 'electron'
import type { StudioApi } from './contract'

// Exactly the contract's methods, each a typed invoke; the page never sees ipcRenderer.
const api: StudioApi = {
  appInfo: () => ipcRenderer.invoke('appInfo'),
}

contextBridge.exposeInMainWorld('studio', api)
