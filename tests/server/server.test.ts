import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { StudioEvent } from '../../preload/contract'
import { Studio } from '../../main/engine/studio'
import { serveProject, type RunningServer } from '../../main/server/server'
import { studioSpawn } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'

const root = tmpDir()
let studio: Studio
let server: RunningServer
const logged: string[] = []
let base: string

const call = (method: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/call/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 3, 0)
  await makeImages(path.join(root, 'src', 'blue'), 2, 10)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  fs.mkdirSync(path.join(root, 'renderer'))
  fs.writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Studio</title>')
  server = await serveProject(studio.root, {
    rendererDir: path.join(root, 'renderer'),
    log: (l) => logged.push(l),
    recentFile: path.join(root, 'recent.json'),
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(async () => {
  await server.close()
  studio.close()
})

describe('browser-mode server', () => {
  it('health answers 200 with the token and 401 without', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/)
    const ok = await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${server.token}` } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ ok: true })
    expect((await fetch(`${base}/api/health`)).status).toBe(401)
    expect((await fetch(`${base}/api/health?token=wrong`)).status).toBe(401)
    expect((await fetch(`${base}/api/health?token=${server.token}`)).status).toBe(200)
  })

  it('serves the page without a token, and refuses other origins', async () => {
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<title>Studio/)
    expect((await fetch(`${base}/../../etc/passwd`)).status).toBe(200) // falls back to the page, never outside it
    const evil = await fetch(`${base}/api/health?token=${server.token}`, { headers: { origin: 'http://evil.example' } })
    expect(evil.status).toBe(403)
    expect(logged.at(-1)).toMatch(/origin http:\/\/evil\.example is not allowed/)
  })

  it('runs contract methods, validating payloads and mapping errors to 4xx without stopping', async () => {
    const stats = await (await call('stats')).json()
    expect(stats).toEqual({
      result: { images: 5, classes: { red: 3, blue: 2 }, unlabeled: 0, errors: 0, duplicates: 0 },
    })
    const page = (await (await call('images', { sort: 'name', limit: 2 })).json()) as {
      result: { items: { id: number }[]; total: number; nextCursor: string }
    }
    expect(page.result.items).toHaveLength(2)
    expect(page.result.total).toBe(5)
    const bad = await call('setLabels', { imageIds: ['x'], classId: 1 })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^setLabels: imageIds\.0: /)
    expect((await call('setLabels', { imageIds: [1], classId: 1, extra: true })).status).toBe(400)
    const notJson = await fetch(`${base}/api/call/stats`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: '{nope',
    })
    expect(notJson.status).toBe(400)
    const missing = await call('history', { imageId: 99_999 })
    expect(missing.status).toBe(404)
    expect((await call('noSuchMethod', {})).status).toBe(404)
    const changed = await (await call('setLabels', { imageIds: [page.result.items[0]!.id], classId: 2 })).json()
    expect(changed).toMatchObject({ result: { changed: expect.any(Number) } })
    // Still serving after all of that.
    expect((await call('classes')).status).toBe(200)
  })

  it('serves thumbnails and originals by hash from inside the project only', async () => {
    const img = studio.store.images.page({ limit: 1 }).items[0]!
    const thumb = await fetch(`${base}/media/thumb/${img.hash}?token=${server.token}`)
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toBe('image/webp')
    const original = await fetch(`${base}/media/original/${img.hash}?token=${server.token}`)
    expect(Buffer.from(await original.arrayBuffer()).equals(fs.readFileSync(studio.originalPath(img)))).toBe(true)
    expect((await fetch(`${base}/media/thumb/${img.hash}`)).status).toBe(401)
    expect((await fetch(`${base}/media/thumb/${'0'.repeat(64)}?token=${server.token}`)).status).toBe(404)
    expect((await fetch(`${base}/media/original/..%2F..%2Fstudio.db?token=${server.token}`)).status).toBe(400)
    expect((await fetch(`${base}/media/original/${img.hash.slice(0, 10)}?token=${server.token}`)).status).toBe(400)
    // A missing original is a 404 the page can show as a placeholder tile.
    const other = studio.store.images.page({ limit: 2 }).items[1]!
    fs.rmSync(studio.originalPath(other))
    expect((await fetch(`${base}/media/original/${other.hash}?token=${server.token}`)).status).toBe(404)
  })

  it('streams import progress over the events socket, which needs the token', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`)
    await expect(
      new Promise((resolve, reject) => (refused.on('open', resolve), refused.on('error', reject))),
    ).rejects.toThrow(/401/)
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`)
    await new Promise((r) => ws.on('open', r))
    const events: StudioEvent[] = []
    const finished = new Promise<void>((resolve) =>
      ws.on('message', (m) => {
        const e = JSON.parse(String(m)) as StudioEvent
        events.push(e)
        if (e.type === 'import-finished') resolve()
      }),
    )
    await makeImages(path.join(root, 'more'), 4, 50)
    expect((await call('startImport', { source: path.join(root, 'more') })).status).toBe(200)
    await finished
    ws.close()
    expect(events.some((e) => e.type === 'import-progress')).toBe(true)
    expect(events.find((e) => e.type === 'import-finished')).toMatchObject({ status: 'done', imported: 4 })
  })
})

describe('studio serve', () => {
  it('prints the URL with its token as the first line, and --json prints {url, token}', async () => {
    Studio.init(path.join(root, 'proj2')).close()
    const child = studioSpawn(['serve', '--project', path.join(root, 'proj2'), '--json'])
    const line = await new Promise<string>((resolve) =>
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0]!)),
    )
    const { url, token } = JSON.parse(line) as { url: string; token: string }
    expect(url).toBe(`${url.split('?')[0]}?token=${token}`)
    const health = await fetch(new URL(`/api/health?token=${token}`, url))
    expect(health.status).toBe(200)
    child.kill('SIGTERM')
    await new Promise((r) => child.on('exit', r))
  })

  it('outside a project and without --project it serves the page with no project open (Projects view)', async () => {
    const empty = path.join(root, 'empty-cwd')
    fs.mkdirSync(empty, { recursive: true })
    const child = studioSpawn(['serve', '--json'], {
      cwd: empty,
      env: { ...process.env, STUDIO_HOME: path.join(root, 'home') },
    })
    const line = await new Promise<string>((resolve) =>
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0]!)),
    )
    const { url, token } = JSON.parse(line) as { url: string; token: string }
    const info = await fetch(new URL('/api/call/appInfo', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(await info.json()).toEqual({ result: { version: expect.any(String), shell: 'browser', project: null } })
    const stats = await fetch(new URL('/api/call/stats', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(stats.status).toBe(409)
    expect(await stats.json()).toEqual({
      error: { name: 'NoProjectError', message: 'no project is open: open or create one in Projects' },
    })
    child.kill('SIGTERM')
    await new Promise((r) => child.on('exit', r))
    expect(fs.readdirSync(empty)).toEqual([])
  })

  it('refuses a project that another Studio has open, naming the holder', async () => {
    const child = studioSpawn(['serve', '--project', path.join(root, 'proj')])
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise((r) => child.on('exit', r))
    expect(code).toBe(1)
    expect(stderr).toMatch(
      new RegExp(`another Studio window is already running for .*proj \\(process ${process.pid}\\)`),
    )
  })
})
