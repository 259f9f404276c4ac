import type { StudioApi } from '../preload/contract'
import { STUDIO_METHODS } from '../preload/methods'
import { dispatch, type Reply } from './engine/api/dispatch'

/** The part of Electron's ipcMain this binding uses (so tests can pass a fake). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, payload: unknown) => Promise<unknown>): void
  removeHandler(channel: string): void
}

export interface IpcEventLike {
  sender: unknown
  senderFrame?: { url: string } | null
}

/**
 * Binds every contract method to `studio:<method>` through one wrapper: the sender must be our
 * window; validation, the call and error mapping are the shared `dispatch` (as over HTTP). Returns
 * the function that removes the handlers (when the project closes).
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  api: StudioApi,
  isTrusted: (event: IpcEventLike) => boolean,
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): () => void {
  for (const method of STUDIO_METHODS) {
    ipcMain.handle(`studio:${method}`, async (event, payload): Promise<Reply> => {
      if (!isTrusted(event)) {
        log(`refused studio:${method}: sender ${event.senderFrame?.url ?? 'unknown'} is not the Studio window`)
        return { error: { name: 'Forbidden', message: 'this window may not call Studio' } }
      }
      return dispatch(api, method, payload, (line) => log(`studio: ${line}`))
    })
  }
  return () => {
    for (const method of STUDIO_METHODS) ipcMain.removeHandler(`studio:${method}`)
  }
}
