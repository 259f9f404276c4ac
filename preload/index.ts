import { contextBridge, ipcRenderer } from 'electron'
import type { StudioApi } from './contract'
import { STUDIO_METHODS } from './methods'

// Exactly the contract's methods, each a typed invoke on its own channel; the page never sees ipcRenderer.
const api = Object.fromEntries(STUDIO_METHODS.map((m) => [m, (req?: unknown) => ipcRenderer.invoke(`studio:${m}`, req)])) as unknown as StudioApi

contextBridge.exposeInMainWorld('studio', api)
