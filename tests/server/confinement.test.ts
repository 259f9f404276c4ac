import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { serveProject } from '../../main/server/server'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { bodyOf, rawGet, statusOf } from './raw'

/**
 * Nothing outside the project (media) or the built page (static files) is ever sent. Requests go
 * over a raw socket: fetch and URL normalise `/../` away before sending, so a test through them
 * never sends a traversal at all. Each answer is judged by its body: no byte of a file outside.
 */

const root = tmpDir()
const SECRET = `OUTSIDE-${randomBytes(8).toString('hex')}`
const site = path.join(root, 'site')
const renderer = path.join(site, 'renderer')
const PAGE = '<!doctype html><title>Studio</title>'
let server: Awaited<ReturnType<typeof serveProject>>
let studio: Studio

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'a'), 3, 0)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  fs.mkdirSync(renderer, { recursive: true })
  fs.writeFileSync(path.join(renderer, 'index.html'), PAGE)
  // The secret one and two folders above the page, and beside the project.
  for (const dir of [root, site]) fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET)
  fs.writeFileSync(path.join(root, 'proj', 'secret.txt'), SECRET)
  server = await serveProject(studio.root, {
    rendererDir: renderer,
    log: () => {},
    recentFile: path.join(root, 'recent.json'),
  })
})
afterAll(async () => {
  await server.close()
  studio.close()
})

const get = async (target: string) => {
  const reply = await rawGet(server.port, target)
  return { status: statusOf(reply), body: bodyOf(reply) }
}

const TRAVERSALS = [
  '/../secret.txt',
  '/../../secret.txt',
  '/..%2Fsecret.txt',
  '/..%2F..%2Fsecret.txt',
  '/%2e%2e/secret.txt',
  '/%2e%2e%2fsecret.txt',
  '/%2E%2E%2F%2E%2E%2Fsecret.txt',
  '/.%2e/.%2e/secret.txt',
  '/assets/..%2F..%2F..%2Fsecret.txt',
  '/%252e%252e%252fsecret.txt',
  '/%252e%252e/%252e%252e/secret.txt',
  '/..%5c..%5csecret.txt',
  '/..%c0%afsecret.txt',
  `/${'..%2F'.repeat(12)}etc%2Fhostname`,
]

describe('static files stay inside the built page', () => {
  it.each(TRAVERSALS)('%s answers the page or an error, never the file', async (target) => {
    const { status, body } = await get(target)
    expect(body).not.toContain(SECRET)
    expect([200, 400, 404]).toContain(status)
    if (status === 200) expect(body).toBe(PAGE)
  })

  it('a file of the page is still served', async () => {
    fs.writeFileSync(path.join(renderer, 'app.js'), 'console.log(1)')
    expect(await get('/app.js')).toEqual({ status: 200, body: 'console.log(1)' })
  })
})

describe('media stay inside the project', () => {
  it.each(TRAVERSALS.map((t) => t.slice(1)))('/media/original/%s is refused without the file', async (rest) => {
    for (const kind of ['original', 'thumb']) {
      const { status, body } = await get(`/media/${kind}/${rest}?token=${server.token}`)
      expect(body).not.toContain(SECRET)
      // A target that normalises out of /media/ reaches the page instead.
      if (status === 200) expect(body).toBe(PAGE)
      else expect([400, 404]).toContain(status)
    }
  })

  it('an original that is a symlink to a file outside the project is refused (403) without its bytes', async () => {
    const img = studio.store.images.page({ limit: 1 }).items[0]!
    const file = studio.originalPath(img)
    fs.rmSync(file)
    fs.symlinkSync(path.join(root, 'secret.txt'), file)
    const { status, body } = await get(`/media/original/${img.hash}?token=${server.token}`)
    expect(status).toBe(403)
    expect(body).not.toContain(SECRET)
    expect(JSON.parse(body)).toEqual({ error: { name: 'Forbidden', message: 'file is outside the project' } })
  })

  it('a thumbnail that is a symlink out is refused too', async () => {
    const img = studio.store.images.page({ limit: 2 }).items[1]!
    const thumb = await studio.thumbnailPath(img)
    fs.rmSync(thumb)
    fs.symlinkSync(path.join(root, 'secret.txt'), thumb)
    const { status, body } = await get(`/media/thumb/${img.hash}?token=${server.token}`)
    expect(status).toBe(403)
    expect(body).not.toContain(SECRET)
  })

  it('a media folder that is itself a symlink out of the project is refused', async () => {
    const img = studio.store.images.page({ limit: 3 }).items[2]!
    const file = studio.originalPath(img)
    const outside = path.join(root, 'elsewhere')
    // The whole media folder moves out and a symlink takes its place: the lexical path is inside.
    fs.renameSync(path.join(studio.root, 'media'), outside)
    fs.symlinkSync(outside, path.join(studio.root, 'media'))
    fs.writeFileSync(path.join(outside, path.relative(path.join(studio.root, 'media'), file)), SECRET)
    const { status, body } = await get(`/media/original/${img.hash}?token=${server.token}`)
    expect(status).toBe(403)
    expect(body).not.toContain(SECRET)
  })

  it('an original inside the project is served byte for byte', async () => {
    await makeImages(path.join(root, 'more'), 1, 40)
    const fresh = Studio.init(path.join(root, 'proj2'))
    await fresh.import(path.join(root, 'more'))
    const img = fresh.store.images.page({ limit: 1 }).items[0]!
    fresh.close()
    await server.close()
    server = await serveProject(path.join(root, 'proj2'), {
      rendererDir: renderer,
      log: () => {},
      recentFile: path.join(root, 'recent.json'),
    })
    const reply = await rawGet(server.port, `/media/original/${img.hash}?token=${server.token}`)
    expect(statusOf(reply)).toBe(200)
    // Exactly 64 hex digits: a hash with anything before or after it is malformed, not unknown.
    for (const bad of [`${img.hash}0`, `0${img.hash}`, `${img.hash}.jpg`]) {
      expect(statusOf(await rawGet(server.port, `/media/original/${bad}?token=${server.token}`))).toBe(400)
    }
    const original = fs.readFileSync(path.join(root, 'more', 'img-000.jpg'))
    expect(reply.subarray(reply.indexOf('\r\n\r\n') + 4).equals(original)).toBe(true)
  })
})
