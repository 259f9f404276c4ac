import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * A stand-in for the `electron` module, as much of it as the shell (main/index.ts) touches. It
 * records what the shell sets (handlers, window options, protocols) so tests/main can check each
 * security setting, and emits what Electron would (a window's web contents is announced through
 * app's 'web-contents-created', as in Electron).
 */

type Listener = (...args: never[]) => unknown

class Emitter {
  listeners = new Map<string, Listener[]>()
  on(event: string, fn: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn])
    return this
  }
  once(event: string, fn: Listener) {
    return this.on(event, fn)
  }
  /** Calls every listener of `event`; the fake event object lets a test see preventDefault(). */
  emit(event: string, ...args: unknown[]) {
    for (const fn of this.listeners.get(event) ?? []) (fn as (...a: unknown[]) => unknown)(...args)
  }
}

export interface FakeEvent {
  defaultPrevented: boolean
  preventDefault(): void
}
export const fakeEvent = (): FakeEvent => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true
  },
})

export class FakeWebContents extends Emitter {
  sent: [string, unknown][] = []
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = h
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload])
  }
}

export class FakeSession {
  requestHandler:
    ((wc: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void) | null = null
  checkHandler: ((wc: unknown, permission: string, origin?: string) => boolean) | null = null
  setPermissionRequestHandler(h: FakeSession['requestHandler']) {
    this.requestHandler = h
  }
  setPermissionCheckHandler(h: FakeSession['checkHandler']) {
    this.checkHandler = h
  }
}

export function createFakeElectron(userData: string) {
  const app = Object.assign(new Emitter(), {
    quitCalled: false,
    whenReady: () => Promise.resolve(),
    getPath: () => userData,
    getAppPath: () => userData,
    quit() {
      app.quitCalled = true
    },
  })
  const windows: FakeBrowserWindow[] = []
  class FakeBrowserWindow extends Emitter {
    webContents = new FakeWebContents()
    loaded: string | null = null
    constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
      super()
      windows.push(this)
      app.emit('web-contents-created', fakeEvent(), this.webContents)
    }
    show() {}
    async loadFile(file: string) {
      this.loaded = file
    }
    async loadURL(url: string) {
      this.loaded = url
    }
    static getFocusedWindow() {
      return windows[0] ?? null
    }
  }
  const ipcHandlers = new Map<string, (e: unknown, p: unknown) => Promise<unknown>>()
  const schemes: unknown[] = []
  const protocols = new Map<string, (req: Request) => Promise<Response>>()
  const opened: string[] = []
  /** Folders the shell handed to the OS to show (shell.openPath: "Open folder"). */
  const shown: string[] = []
  const dialogState = {
    response: 1,
    asked: [] as string[],
    /** Options of each save dialog shown, and the file the next one answers ('' = cancelled). */
    saves: [] as Record<string, unknown>[],
    saveAs: '',
  }
  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    session: { defaultSession: new FakeSession() },
    ipcMain: {
      handle: (ch: string, fn: (e: unknown, p: unknown) => Promise<unknown>) => void ipcHandlers.set(ch, fn),
      removeHandler: (ch: string) => void ipcHandlers.delete(ch),
    },
    protocol: {
      registerSchemesAsPrivileged: (list: unknown[]) => void schemes.push(...list),
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => void protocols.set(scheme, fn),
    },
    net: { fetch: async (url: string) => new Response(fs.readFileSync(fileURLToPath(url))) },
    shell: {
      openExternal: async (url: string) => void opened.push(url),
      openPath: async (dir: string) => (shown.push(dir), ''),
    },
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async (...args: unknown[]) => {
        dialogState.saves.push(args.at(-1) as Record<string, unknown>)
        return { canceled: !dialogState.saveAs, filePath: dialogState.saveAs }
      },
      showErrorBox: () => {},
      showMessageBox: async (...args: unknown[]) => {
        const options = args.at(-1) as { detail?: string }
        dialogState.asked.push(options.detail ?? '')
        return { response: dialogState.response }
      },
    },
  }
  return { electron, windows, ipcHandlers, schemes, protocols, opened, shown, dialogState }
}
