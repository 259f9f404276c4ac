import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { AppSession } from '../../main/engine/session'
import { Studio } from '../../main/engine/studio'
import { registerIpc, type IpcEventLike, type IpcMainLike } from '../../main/ipc'
import { STUDIO_METHODS } from '../../preload/methods'
import { makeImages, tmpDir } from '../helpers/fixtures'

/** A stand-in for Electron's ipcMain that records handlers and lets the test invoke them. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (e: IpcEventLike, p: unknown) => Promise<unknown>>()
  handle(channel: string, fn: (e: IpcEventLike, p: unknown) => Promise<unknown>) {
    this.handlers.set(channel, fn)
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel)
  }
  invoke(channel: string, event: IpcEventLike, payload?: unknown) {
    return this.handlers.get(channel)!(event, payload)
  }
}

const ours = { sender: 'main-window', senderFrame: { url: 'file:///app/out/renderer/index.html' } }
const stranger = { sender: 'other', senderFrame: { url: 'https://evil.example/' } }
let ipc: FakeIpcMain
let unregister: () => void
const logged: string[] = []

beforeAll(async () => {
  const root = tmpDir()
  await makeImages(path.join(root, 'src', 'a'), 2, 0)
  const studio = Studio.init(path.join(root, 'p'))
  await studio.import(path.join(root, 'src'))
  studio.close()
  const session = new AppSession({ shell: 'electron', onEvent: () => {}, recentFile: path.join(root, 'recent.json') })
  session.open(path.join(root, 'p'))
  ipc = new FakeIpcMain()
  unregister = registerIpc(
    ipc,
    session.api,
    (e) => e.sender === 'main-window',
    (l) => logged.push(l),
  )
})

describe('IPC binding', () => {
  it('registers exactly the contract methods', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(STUDIO_METHODS.map((m) => `studio:${m}`).sort())
  })

  it('answers our window', async () => {
    expect(await ipc.invoke('studio:stats', ours)).toEqual({
      result: { images: 2, classes: { a: 2 }, unlabeled: 0, errors: 0, duplicates: 0 },
    })
  })

  it('refuses an untrusted sender and logs why', async () => {
    expect(await ipc.invoke('studio:stats', stranger)).toEqual({
      error: { name: 'Forbidden', message: 'this window may not call Studio' },
    })
    expect(logged.at(-1)).toMatch(/refused studio:stats: sender https:\/\/evil\.example\/ is not the Studio window/)
  })

  it('refuses an invalid payload, naming the field', async () => {
    expect(await ipc.invoke('studio:setLabels', ours, { imageIds: 'all', classId: 1 })).toMatchObject({
      error: { name: 'ValidationError', message: expect.stringMatching(/^setLabels: imageIds: /) },
    })
    expect(await ipc.invoke('studio:history', ours, { imageId: -1 })).toMatchObject({
      error: { name: 'ValidationError' },
    })
  })

  it('returns engine errors as {name, message}', async () => {
    expect(await ipc.invoke('studio:history', ours, { imageId: 12345 })).toEqual({
      error: { name: 'NotFoundError', message: 'image "12345" does not exist' },
    })
  })

  it('removes every handler when unregistered', () => {
    unregister()
    expect(ipc.handlers.size).toBe(0)
  })
})
