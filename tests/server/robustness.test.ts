import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveProject } from '../../main/server/server'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { bodyOf, clientFrame, closeCode, openEvents, rawGet, sendFrames, statusOf } from './raw'

const root = tmpDir()
const logged: string[] = []
let server: Awaited<ReturnType<typeof serveProject>>

async function healthy(): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/health`, {
    headers: { authorization: `Bearer ${server.token}` },
  })
  return res.status === 200
}

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'a'), 2, 0)
  const studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  studio.close()
  fs.mkdirSync(path.join(root, 'renderer'))
  fs.writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Studio</title>')
  server = await serveProject(path.join(root, 'proj'), {
    rendererDir: path.join(root, 'renderer'),
    log: (l) => logged.push(l),
    recentFile: path.join(root, 'recent.json'),
  })
})
afterAll(() => server.close())

describe('malformed requests get 400 and never stop the server', () => {
  it.each([
    ['/%ZZ', 'a bad percent escape in a page path'],
    ['/%E0%A4%A', 'a truncated UTF-8 escape in a page path'],
    ['/api/health%ZZ', 'a bad escape under /api/'],
    ['//%ZZ', 'a request target that parses as a host'],
    ['http://[', 'an absolute target that is no URL'],
    ['/index.html%00', 'a NUL byte in a page path'],
  ])('%s (%s), without a token', async (target) => {
    const reply = await rawGet(server.port, target)
    expect(statusOf(reply)).toBe(400)
    expect(JSON.parse(bodyOf(reply))).toMatchObject({ error: { name: 'BadRequest', message: expect.any(String) } })
    expect(await healthy()).toBe(true)
  })

  it('a WebSocket upgrade on a malformed target', async () => {
    const reply = await rawGet(server.port, '//%ZZ', ['Upgrade: websocket', 'Connection: Upgrade'])
    expect([400, 403]).toContain(statusOf(reply))
    expect(await healthy()).toBe(true)
  })
})

describe('request payloads', () => {
  it.each([
    ['openProject', { path: '/tmp/a\u0000b' }, 'openProject: path: a path cannot contain a NUL byte'],
    ['createProject', { path: '\u0000' }, 'createProject: path: a path cannot contain a NUL byte'],
    ['startImport', { source: '/tmp/photos\u0000.jpg' }, 'startImport: source: a path cannot contain a NUL byte'],
    ['exportRun', { runId: 1, dir: '/tmp/out\u0000' }, 'exportRun: dir: a path cannot contain a NUL byte'],
  ])('a NUL byte in %s is a 400 naming the field', async (method, payload, message) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { name: 'ValidationError', message } })
  })
})

describe('malformed WebSocket frames from an authenticated page close that socket only', () => {
  it.each([
    ['an unknown opcode', clientFrame(0x83, Buffer.from('x')), 1002],
    ['a text frame that is not UTF-8', clientFrame(0x81, Buffer.from([0xff, 0xfe, 0xfd])), 1007],
    ['reserved bits set', clientFrame(0xc1, Buffer.from('x')), 1002],
    ['a length past 2^53', clientFrame(0x82, Buffer.alloc(0), 2n ** 63n - 1n), 1009],
    ['a length over the size limit', clientFrame(0x82, Buffer.alloc(0), 2n ** 40n), 1009],
    ['a fragmented control frame', clientFrame(0x09, Buffer.from('x')), 1002],
  ])('%s', async (_, frame, code) => {
    const socket = await openEvents(server.port, server.token)
    const back = await sendFrames(socket, frame)
    expect(closeCode(back)).toBe(code)
    expect(await healthy()).toBe(true)
    expect(logged.at(-1)).toMatch(/^websocket error: /)
  })
})

describe('media', () => {
  it('an original that has become a folder is a 404, not a crash', async () => {
    const studio = Studio.open(path.join(root, 'proj'))
    const img = studio.store.images.page({ limit: 1 }).items[0]!
    const file = studio.originalPath(img)
    studio.close()
    fs.rmSync(file)
    fs.mkdirSync(file)
    const reply = await rawGet(server.port, `/media/original/${img.hash}?token=${server.token}`)
    expect(statusOf(reply)).toBe(404)
    expect(await healthy()).toBe(true)
  })
})
