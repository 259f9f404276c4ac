import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { createFakeElectron, fakeEvent, type FakeWebContents } from './fake-electron'

/**
 * The real shell (main/index.ts) started against the fake Electron module: each security setting
 * is read back from what the shell handed to Electron.
 */

const fake = vi.hoisted(() => ({ current: null as ReturnType<typeof createFakeElectron> | null }))
vi.mock('electron', async () => {
  const { createFakeElectron: create } = await import('./fake-electron')
  fake.current = create(fs.mkdtempSync(path.join(os.tmpdir(), 'studio-shell-')))
  return fake.current.electron
})

const root = tmpDir()
const rendererUrl = pathToFileURL(path.resolve(import.meta.dirname, '../../renderer/index.html')).href
let f: ReturnType<typeof createFakeElectron>
let contents: FakeWebContents
let hashes: string[] = []

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'a'), 2, 0)
  const studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  hashes = studio.store.images.page({ limit: 2 }).items.map((i) => i.hash)
  studio.close()
  await import('../../main/index')
  await new Promise((r) => setTimeout(r, 50)) // app.whenReady().then(…)
  f = fake.current!
  contents = f.windows[0]!.webContents
})
afterAll(() => f.electron.app.emit('window-all-closed'))

const navigate = (url: string, event = 'will-navigate') => {
  const e = fakeEvent()
  contents.emit(event, e, url)
  return e.defaultPrevented
}
const flush = () => new Promise((r) => setTimeout(r, 10))

describe('the window', () => {
  it('isolates the page: context isolation, sandbox, no Node', () => {
    expect(f.windows).toHaveLength(1)
    expect(f.windows[0]!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    })
    expect(f.windows[0]!.options.webPreferences).not.toHaveProperty('webSecurity', false)
  })

  it('denies every permission request and check', () => {
    const s = f.electron.session.defaultSession
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid']) {
      const answers: boolean[] = []
      s.requestHandler!(contents, permission, (granted) => answers.push(granted))
      expect(answers).toEqual([false])
      expect(s.checkHandler!(contents, permission, 'file://')).toBe(false)
    }
  })
})

describe('navigation and new windows', () => {
  it('stays on the app page (routes allowed), refuses anything else, <webview> included', () => {
    expect(navigate(`${rendererUrl}#/browse`)).toBe(false)
    expect(navigate('https://evil.example/')).toBe(true)
    expect(navigate('file:///etc/passwd')).toBe(true)
    expect(navigate(`${rendererUrl}.evil`)).toBe(true)
    expect(navigate('https://evil.example/', 'will-redirect')).toBe(true)
    const attach = fakeEvent()
    contents.emit('will-attach-webview', attach)
    expect(attach.defaultPrevented).toBe(true)
  })

  it('never opens a window; a documentation link opens in the browser only after a yes', async () => {
    const open = (url: string) => contents.windowOpenHandler!({ url })
    f.dialogState.response = 1 // Cancel
    expect(open('https://www.tensorflow.org/js/guide')).toEqual({ action: 'deny' })
    await flush()
    expect(f.dialogState.asked).toEqual(['https://www.tensorflow.org/js/guide'])
    expect(f.opened).toEqual([])
    f.dialogState.response = 0 // Open in browser
    expect(open('https://onnxruntime.ai/docs/get-started/')).toEqual({ action: 'deny' })
    await flush()
    expect(f.opened).toEqual(['https://onnxruntime.ai/docs/get-started/'])
    // Not on the list: no question, nothing opened.
    for (const url of [
      'https://evil.example/',
      'http://www.tensorflow.org/js/',
      'file:///etc/passwd',
      'javascript:1',
    ]) {
      expect(open(url)).toEqual({ action: 'deny' })
    }
    await flush()
    expect(f.dialogState.asked).toHaveLength(2)
    expect(f.opened).toHaveLength(1)
  })

  it('a click on a documentation link (a navigation) asks too, and the page stays', async () => {
    f.dialogState.response = 0
    expect(navigate('https://github.com/tensorflow/tfjs/issues')).toBe(true)
    await flush()
    expect(f.opened.at(-1)).toBe('https://github.com/tensorflow/tfjs/issues')
  })
})

describe('the studio-media: protocol', () => {
  const get = (url: string, init?: RequestInit) => f.protocols.get('studio-media')!(new Request(url, init))

  it('is registered as a standard, secure scheme and answers nothing while no project is open', async () => {
    expect(f.schemes).toEqual([{ scheme: 'studio-media', privileges: expect.objectContaining({ secure: true }) }])
    expect((await get(`studio-media://thumb/${hashes[0]}`)).status).toBe(404)
  })

  it('serves a known hash of the open project, and refuses everything else', async () => {
    const ours = { sender: contents, senderFrame: { url: `${rendererUrl}#/projects` } }
    const opened = await f.ipcHandlers.get('studio:openProject')!(ours, { path: path.join(root, 'proj') })
    expect(opened).toMatchObject({ result: expect.anything() })
    const original = await get(`studio-media://original/${hashes[0]}`)
    expect(original.status).toBe(200)
    const files = fs
      .readdirSync(path.join(root, 'src', 'a'))
      .map((n) => fs.readFileSync(path.join(root, 'src', 'a', n)))
    const body = Buffer.from(await original.arrayBuffer())
    expect(files.some((b) => b.equals(body))).toBe(true)
    expect((await get(`studio-media://thumb/${hashes[1]}`)).status).toBe(200)
    const refused: [string, number][] = [
      [`studio-media://thumb/${'0'.repeat(64)}`, 404],
      [`studio-media://original/${hashes[0]!.slice(0, 63)}`, 400],
      [`studio-media://original/${hashes[0]!.toUpperCase()}`, 400],
      [`studio-media://media/${hashes[0]}`, 400],
      ['studio-media://original/..%2F..%2Fstudio.db', 400],
      ['studio-media://original/../../studio.db', 400],
      [`studio-media://original/${hashes[0]}/../../studio.db`, 400],
      [`studio-media://original/${hashes[0]}?x=1`, 400],
      [`studio-media://original/${hashes[0]}0`, 400],
      [`studio-media://original/0${hashes[0]}`, 400],
    ]
    for (const [url, status] of refused) expect([url, (await get(url)).status]).toEqual([url, status])
    expect((await get(`studio-media://original/${hashes[0]}`, { method: 'POST', body: 'x' })).status).toBe(405)
  })

  it('asks for a backup file with the native save dialog, which confirms a replacement', async () => {
    const ours = { sender: contents, senderFrame: { url: `${rendererUrl}#/settings` } }
    const ask = (defaultPath: string) =>
      f.ipcHandlers.get('studio:chooseSaveFile')!(ours, { title: 'Back up the project', defaultPath })
    f.dialogState.saveAs = '/home/u/chosen.tar'
    expect(await ask('/home/u/proj-backup.tar')).toEqual({ result: '/home/u/chosen.tar' })
    expect(f.dialogState.saves.at(-1)).toMatchObject({
      title: 'Back up the project',
      defaultPath: '/home/u/proj-backup.tar',
      properties: expect.arrayContaining(['showOverwriteConfirmation']),
    })
    f.dialogState.saveAs = ''
    expect(await ask('/home/u/proj-backup.tar')).toEqual({ result: null })
  })

  it('a window that is not ours cannot open a project through IPC', async () => {
    const stranger = { sender: contents, senderFrame: { url: 'https://evil.example/' } }
    expect(await f.ipcHandlers.get('studio:appInfo')!(stranger, undefined)).toEqual({
      error: { name: 'Forbidden', message: 'this window may not call Studio' },
    })
  })
})
