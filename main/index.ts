import fs from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, net, protocol, shell } from 'electron'
import { pathToFileURL } from 'node:url'
import { resourcePath } from './engine/resources'
import { AppSession } from './engine/session'
import { registerIpc } from './ipc'
import { resolveMedia } from './server/media'

// The Electron shell: window, IPC binding, media protocol, native dialogs. Thin: everything else
// is the engine, reached through the same AppSession the browser mode uses.

protocol.registerSchemesAsPrivileged([
  { scheme: 'studio-media', privileges: { standard: true, secure: true, supportFetchAPI: true } },
])

const rendererFile = join(import.meta.dirname, '../renderer/index.html')

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
  // No navigation away from the app and no new windows; https links open in the browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault())
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void win.loadFile(rendererFile)
  return win
}

void app.whenReady().then(() => {
  const win = createWindow()
  const trustedUrl = (url: string) =>
    url.startsWith(pathToFileURL(rendererFile).href) ||
    (!!process.env.ELECTRON_RENDERER_URL && url.startsWith(process.env.ELECTRON_RENDERER_URL))
  const session = new AppSession({
    shell: 'electron',
    onEvent: (e) => win.webContents.send('studio:event', e),
    recentFile: join(app.getPath('userData'), 'recent-projects.json'),
    openOptions: { nativeBinding: nativeBinding() },
    openFolder: async (dir) => (await shell.openPath(dir)) === '',
    chooseFolder: async (title) =>
      (await dialog.showOpenDialog(win, { title, properties: ['openDirectory', 'createDirectory'] })).filePaths[0] ??
      null,
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
  registerIpc(ipcMain, session.api, (e) => e.sender === win.webContents && trustedUrl(e.senderFrame?.url ?? ''))
  // studio-media://thumb/<sha256> and studio-media://original/<sha256>, from inside the open project only.
  protocol.handle('studio-media', async (req) => {
    const url = new URL(req.url)
    if (!session.studio) return new Response('no project is open', { status: 404 })
    const answer = await resolveMedia(session.studio, url.host, url.pathname.slice(1))
    return 'status' in answer
      ? new Response(answer.reason, { status: answer.status })
      : net.fetch(pathToFileURL(answer.file).href)
  })
  app.on('window-all-closed', () => {
    session.close(true)
    app.quit()
  })
})
