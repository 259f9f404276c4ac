import { contextBridge, ipcRenderer } from 'electron'
import type { Handler, ResponseOf, StudioEvent, StudioMethod } from './contract'
import { buildApi } from './methods'

interface WireReply {
  result?: unknown
  error?: { name: string; message: string }
}

// Exactly the contract's methods, each a typed invoke on its own channel; the page never sees
// ipcRenderer. Main answers {result} or {error: {name, message}}; errors are rethrown here.
async function invoke<M extends StudioMethod>(method: M, req: unknown): Promise<ResponseOf<M>> {
  const reply: WireReply = await ipcRenderer.invoke(`studio:${method}`, req)
  if (reply.error) throw Object.assign(new Error(reply.error.message), { name: reply.error.name })
  // Main answered through dispatch, which called this very method of the contract.
  return reply.result as ResponseOf<M>
}

contextBridge.exposeInMainWorld(
  'studio',
  buildApi(
    <M extends StudioMethod>(m: M): Handler<M> =>
      (req) =>
        invoke(m, req),
  ),
)

// Engine events (import progress, label changes): one subscription point, no raw ipcRenderer.
contextBridge.exposeInMainWorld('studioEvents', {
  subscribe(handler: (e: StudioEvent) => void): () => void {
    const listener = (_: unknown, e: StudioEvent) => handler(e)
    ipcRenderer.on('studio:event', listener)
    return () => ipcRenderer.removeListener('studio:event', listener)
  },
})
