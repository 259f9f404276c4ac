import { contextBridge, ipcRenderer } from 'electron'
import type { StudioApi, StudioEvent } from './contract'
import { STUDIO_METHODS } from './methods'

// Exactly the contract's methods, each a typed invoke on its own channel; the page never sees
// ipcRenderer. Main answers {result} or {error: {name, message}}; errors are rethrown here.
async function invoke(method: string, req?: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(`studio:${method}`, req)) as { result?: unknown; error?: { name: string; message: string } }
  if (reply.error) throw Object.assign(new Error(reply.error.message), { name: reply.error.name })
  return reply.result
}

const api = Object.fromEntries(STUDIO_METHODS.map((m) => [m, (req?: unknown) => invoke(m, req)])) as unknown as StudioApi

contextBridge.exposeInMainWorld('studio', api)

// Engine events (import progress, label changes): one subscription point, no raw ipcRenderer.
contextBridge.exposeInMainWorld('studioEvents', {
  subscribe(handler: (e: StudioEvent) => void): () => void {
    const listener = (_: unknown, e: StudioEvent) => handler(e)
    ipcRenderer.on('studio:event', listener)
    return () => ipcRenderer.removeListener('studio:event', listener)
  },
})
