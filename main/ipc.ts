import type { StudioApi, StudioMethod } from '../preload/contract'
import { STUDIO_METHODS } from '../preload/methods'
import { errorMessage, StudioError } from './engine/errors'
import { describeIssue, REQUEST_SCHEMAS } from './server/schemas'

/** The part of Electron's ipcMain this binding uses (so tests can pass a fake). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, payload: unknown) => Promise<unknown>): void
  removeHandler(channel: string): void
}

export interface IpcEventLike {
  sender: unknown
  senderFrame?: { url: string } | null
}

/** What crosses back to the renderer: a result or an error as {name, message}. */
export type IpcReply = { result: unknown } | { error: { name: string; message: string } }

/**
 * Binds every contract method to `studio:<method>` through one wrapper: the sender must be our
 * window, the payload must pass its schema, and errors come back as {name, message}. Returns the
 * function that removes the handlers (when the project closes).
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  service: StudioApi,
  isTrusted: (event: IpcEventLike) => boolean,
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): () => void {
  for (const method of STUDIO_METHODS) {
    ipcMain.handle(`studio:${method}`, async (event, payload): Promise<IpcReply> => {
      if (!isTrusted(event)) {
        log(`refused studio:${method}: sender ${event.senderFrame?.url ?? 'unknown'} is not the Studio window`)
        return { error: { name: 'Forbidden', message: 'this window may not call Studio' } }
      }
      const parsed = REQUEST_SCHEMAS[method].safeParse(payload)
      if (!parsed.success) {
        const message = describeIssue(method, parsed.error)
        log(`refused studio:${method}: ${message}`)
        return { error: { name: 'ValidationError', message } }
      }
      try {
        const call = service[method as StudioMethod] as (arg: unknown) => Promise<unknown>
        return { result: (await call.call(service, parsed.data)) ?? null }
      } catch (err) {
        return { error: { name: err instanceof StudioError ? err.name : 'Error', message: errorMessage(err) } }
      }
    })
  }
  return () => {
    for (const method of STUDIO_METHODS) ipcMain.removeHandler(`studio:${method}`)
  }
}
