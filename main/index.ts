import fs from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session as sessions, shell } from 'electron'
import { pathToFileURL } from 'node:url'
import { mediaProtocolHandler } from './electron/media-protocol'
import { appUrlMatcher, denyAllPermissions, secureAllContents } from './electron/security'
import { resourcePath } from './engine/resources'
import { AppSession } from './engine/session'
import { registerIpc } from './ipc'

// The Electron shell: window, IPC binding, media protocol, native dialogs. Thin: everything else
// is the engine, reached through the same AppSession the browser mode uses.

protocol.registerSchemesAsPrivileged([
  { scheme: 'studio-media', privileges: { standard: true, secure: true, supportFetchAPI: true } },
])

const rendererFile = join(import.meta.dirname, '../renderer/index.html')
const isAppUrl = appUrlMatcher(pathToFileURL(rendererFile).href, process.env.ELECTRON_RENDERER_URL)
const log = (line: string) => process.stderr.write(`studio: ${line}\n`)

// Every web contents (the window's, and any other) stays on the app's page; documentation links open
// in the browser only after the person agrees (main/electron/security.ts).
secureAllContents(app, {
  isAppUrl,
  log,
  openExternal: (url) => shell.openExternal(url),
  confirm: async (url) => {
    const options = {
      type: 'question' as const,
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Open this page in your web browser?',
      detail: url,
    }
    const win = BrowserWindow.getFocusedWindow()
    const { response } = await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
    return response === 0
  },
})

/** better-sqlite3 built for Electron's ABI by scripts/rebuild-electron.mjs, when present. */
function nativeBinding(): string | undefined {
  const file = join(app.getAppPath(), '.electron-native/better-sqlite3/build/Release/better_sqlite3.node')
  return fs.existsSync(file) ? file : undefined
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    title: 'Studio',
    // Linux and Windows show it on the window and task bar; macOS takes the bundle's icon.
    icon: resourcePath('icons', '512x512.png'),
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void win.loadFile(rendererFile)
  return win
}

void app.whenReady().then(() => {
  // Camera, microphone, notifications, geolocation, …: Studio needs none, so no page gets any.
  denyAllPermissions(sessions.defaultSession, log)
  const win = createWindow()
  const session = new AppSession({
    shell: 'electron',
    onEvent: (e) => win.webContents.send('studio:event', e),
    recentFile: join(app.getPath('userData'), 'recent-projects.json'),
    openOptions: { nativeBinding: nativeBinding() },
    openFolder: async (dir) => (await shell.openPath(dir)) === '',
    chooseFolder: async (title) =>
      (await dialog.showOpenDialog(win, { title, properties: ['openDirectory', 'createDirectory'] })).filePaths[0] ??
      null,
    chooseSaveFile: async (title, defaultPath) =>
      (
        await dialog.showSaveDialog(win, {
          title,
          defaultPath,
          properties: ['createDirectory', 'showOverwriteConfirmation'],
        })
      ).filePath || null,
  })
  // --project=<dir> opens that project; otherwise the window starts in Projects (open, create, recent).
  const arg = process.argv.find((a) => a.startsWith('--project='))?.slice('--project='.length)
  if (arg) {
    try {
      session.open(arg)
    } catch (err) {
      // Locked, newer version, not a project: say so; the window opens in Projects.
      dialog.showErrorBox('Studio could not open the project', err instanceof Error ? err.message : String(err))
    }
  }
  registerIpc(ipcMain, session.api, (e) => e.sender === win.webContents && isAppUrl(e.senderFrame?.url ?? ''))
  // studio-media://thumb/<sha256> and studio-media://original/<sha256>, from inside the open project only.
  protocol.handle(
    'studio-media',
    mediaProtocolHandler(
      () => session.studio,
      (fileUrl) => net.fetch(fileUrl),
    ),
  )
  app.on('window-all-closed', () => {
    session.close(true)
    app.quit()
  })
})
