import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ExportDto, StudioEvent } from '../../preload/contract'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { createFakeElectron, type FakeWebContents } from './fake-electron'

/**
 * A model export from the desktop app: the real shell (main/index.ts) against the fake Electron
 * module. The page's request goes through the IPC wrapper, the job's progress and its result come
 * back as 'studio:event' messages to the window, and "Open folder" hands the folder to the OS.
 */

const fake = vi.hoisted(() => ({ current: null as ReturnType<typeof createFakeElectron> | null }))
vi.mock('electron', async () => {
  const { createFakeElectron: create } = await import('./fake-electron')
  fake.current = create(fs.mkdtempSync(path.join(os.tmpdir(), 'studio-export-ipc-')))
  return fake.current.electron
})

const root = tmpDir()
const rendererUrl = pathToFileURL(path.resolve(import.meta.dirname, '../../renderer/index.html')).href
let f: ReturnType<typeof createFakeElectron>
let contents: FakeWebContents
let runId = 0

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 6, 0, 40, 30)
  await makeImages(path.join(root, 'src', 'blue'), 6, 100, 30, 40)
  const studio = Studio.init(path.join(root, 'proj'))
  try {
    await studio.import(path.join(root, 'src'))
    runId = await trainInProcess(studio, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
  } finally {
    studio.close()
  }
  await import('../../main/index')
  await new Promise((r) => setTimeout(r, 50)) // app.whenReady().then(…)
  f = fake.current!
  contents = f.windows[0]!.webContents
  const opened = await call('openProject', { path: path.join(root, 'proj') })
  expect(opened).toMatchObject({ result: expect.anything() })
}, 120_000)
afterAll(() => f?.electron.app.emit('window-all-closed'))

/** What the page's preload does: invoke `studio:<method>` from our window. */
const call = (method: string, payload?: unknown, url = `${rendererUrl}#/runs`) =>
  f.ipcHandlers.get(`studio:${method}`)!({ sender: contents, senderFrame: { url } }, payload)

/** The events the shell sent to the window so far. */
const events = () => contents.sent.filter(([ch]) => ch === 'studio:event').map(([, e]) => e as StudioEvent)

async function until<T>(find: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = find()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error('timed out waiting for an event')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('a model export through the desktop shell', () => {
  it('starts by IPC, reports progress and its result as window events, and opens the folder', async () => {
    const dir = path.join(root, 'exports', 'model')
    const answer = (await call('exportRun', { runId, dir, format: 'onnx' })) as { result: unknown }
    expect(answer).toEqual({ result: { started: true, dir, zip: `${dir}.zip` } })
    const finished = await until(() => events().find((e) => e.type === 'job-finished' && e.kind === 'export'))
    expect(finished).toMatchObject({ status: 'done', error: null })
    const progress = events().filter((e) => e.type === 'job-progress' && e.kind === 'export')
    const messages = progress.map((e) => (e.type === 'job-progress' ? e.message : null))
    expect(messages[0]).toBe('writing the model files')
    expect(messages).toContainEqual(expect.stringMatching(/^self-test onnx: \d+ \/ \d+ images$/))
    expect(messages.at(-1)).toBe('done')
    const done = events().find((e) => e.type === 'export-finished')
    expect(done).toMatchObject({ type: 'export-finished', runId })
    const result = (done as { result: ExportDto }).result
    expect(result.dir).toBe(dir)
    expect(result.formats.map((x) => [x.format, x.selfTest?.status])).toEqual([['onnx', 'passed']])
    expect(fs.existsSync(path.join(dir, 'export.json'))).toBe(true)
    expect(fs.existsSync(`${dir}.zip`)).toBe(true)
    // "Open folder" (ExportResults.vue) hands the folder to the OS through Electron's shell.openPath.
    expect(await call('openFolder', { path: dir })).toEqual({ result: { opened: true } })
    expect(f.shown).toEqual([dir])
  }, 120_000)

  it('answers a refused destination as the request error, before any job starts', async () => {
    const before = events().length
    const full = path.join(root, 'exports', 'model')
    expect(await call('exportRun', { runId, dir: full })).toMatchObject({
      error: { message: expect.stringContaining('exists and is not empty') },
    })
    expect(await call('exportRun', { runId, dir: 'relative/folder' })).toMatchObject({
      error: { name: 'ValidationError' },
    })
    await new Promise((r) => setTimeout(r, 100))
    expect(
      events()
        .slice(before)
        .filter((e) => e.type === 'job-progress' || e.type === 'job-finished'),
    ).toEqual([])
  })

  it('cancels through cancelJob: job-finished says cancelled and nothing is left under the name', async () => {
    const dir = path.join(root, 'exports', 'cancelled')
    const before = events().length
    expect(await call('exportRun', { runId, dir, format: 'onnx' })).toMatchObject({ result: { started: true } })
    expect(await call('cancelJob', { kind: 'export' })).toMatchObject({ result: expect.anything() })
    const finished = await until(() =>
      events()
        .slice(before)
        .find((e) => e.type === 'job-finished' && e.kind === 'export'),
    )
    expect(finished).toMatchObject({ status: 'cancelled' })
    expect(fs.existsSync(dir)).toBe(false)
    expect(fs.existsSync(`${dir}.zip`)).toBe(false)
    expect(fs.readdirSync(path.join(root, 'exports')).filter((n) => n.includes('.partial-'))).toEqual([])
  }, 60_000)

  it('refuses an export request from a page that is not ours', async () => {
    expect(await call('exportRun', { runId, dir: path.join(root, 'x') }, 'https://evil.example/')).toEqual({
      error: { name: 'Forbidden', message: 'this window may not call Studio' },
    })
    expect(fs.existsSync(path.join(root, 'x'))).toBe(false)
  })
})
