import fs from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, net, protocol, shell } from 'electron'
import { pathToFileURL } from 'node:url'
import { StudioService } from './engine/service'
import { Studio } from './engine/studio'
import { registerIpc } from './ipc'
import { resolveMedia } from './server/media'

// The Electron shell: window, IPC binding, media protocol, project choice. Thin: everything else
// is the engine, reached through the same StudioService the browser mode uses.

protocol.registerSchemesAsPrivileged([{ scheme: 'studio-media', privileges: { standard: true, secure: true, supportFetchAPI: true } }])

const rendererFile = join(import.meta.dirname, '../renderer/index.html')
const recentFile = () => join(app.getPath('userData'), 'recent-projects.json')

/** better-sqlite3 built for Electron's ABI by scripts/rebuild-electron.mjs, when present. */
function nativeBinding(): string | undefined {
  const file = join(app.getAppPath(), '.electron-native/better-sqlite3/build/Release/better_sqlite3.node')
  return fs.existsSync(file) ? file : undefined
}

function recentProjects(): string[] {
  try {
    return (JSON.parse(fs.readFileSync(recentFile(), 'utf8')) as string[]).filter((p) => fs.existsSync(join(p, 'studio.db')))
  } catch {
    return []
  }
}

/** The project from --project=<dir>, else the most recent one, else one the user picks or creates. */
async function chooseProject(): Promise<Studio | null> {
  const arg = process.argv.find((a) => a.startsWith('--project='))?.slice('--project='.length)
  const dir = arg ?? recentProjects()[0] ?? (await dialog.showOpenDialog({ title: 'Open or create a Studio project folder', properties: ['openDirectory', 'createDirectory'] })).filePaths[0]
  if (!dir) return null
  const opts = { nativeBinding: nativeBinding() }
  const studio = fs.existsSync(join(dir, 'studio.db')) ? Studio.open(dir, opts) : Studio.init(dir, opts)
  fs.mkdirSync(app.getPath('userData'), { recursive: true })
  fs.writeFileSync(recentFile(), JSON.stringify([studio.root, ...recentProjects().filter((p) => p !== studio.root)].slice(0, 10)))
  return studio
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    title: 'Studio',
    webPreferences: { preload: join(import.meta.dirname, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false },
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

void app.whenReady().then(async () => {
  const studio = await chooseProject()
  if (!studio) return app.quit()
  const win = createWindow()
  const trustedUrl = (url: string) => url.startsWith(pathToFileURL(rendererFile).href) || (!!process.env.ELECTRON_RENDERER_URL && url.startsWith(process.env.ELECTRON_RENDERER_URL))
  const service = new StudioService(studio, 'electron', (e) => win.webContents.send('studio:event', e))
  registerIpc(ipcMain, service, (e) => e.sender === win.webContents && trustedUrl(e.senderFrame?.url ?? ''))
  // studio-media://thumb/<sha256> and studio-media://original/<sha256>, from inside the project only.
  protocol.handle('studio-media', async (req) => {
    const url = new URL(req.url)
    const answer = await resolveMedia(studio, url.host, url.pathname.slice(1))
    return 'status' in answer ? new Response(answer.reason, { status: answer.status }) : net.fetch(pathToFileURL(answer.file).href)
  })
  app.on('window-all-closed', () => {
    studio.close()
    app.quit()
  })
})
