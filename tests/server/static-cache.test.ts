import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveProject } from '../../main/server/server'
import { tmpDir } from '../helpers/fixtures'

// The built page's files: hashed assets are cached for good, the page itself is asked again.
const root = tmpDir()
let server: Awaited<ReturnType<typeof serveProject>>
let base: string

beforeAll(async () => {
  const renderer = path.join(root, 'renderer')
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Studio</title>')
  fs.writeFileSync(path.join(renderer, 'assets', 'index-Ab12Cd.js'), 'console.log(1)')
  fs.writeFileSync(path.join(renderer, 'robots.txt'), 'no')
  server = await serveProject(null, {
    rendererDir: renderer,
    log: () => {},
    recentFile: path.join(root, 'recent.json'),
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.close())

describe('static files', () => {
  it('serves hashed assets as immutable, the page and other files as no-cache', async () => {
    const asset = await fetch(`${base}/assets/index-Ab12Cd.js`)
    expect(asset.status).toBe(200)
    expect(await asset.text()).toBe('console.log(1)')
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    for (const target of ['/', '/index.html', '/robots.txt', '/assets/missing.js', '/somewhere']) {
      const reply = await fetch(base + target)
      expect(reply.status, target).toBe(200)
      expect(reply.headers.get('cache-control'), target).toBe('no-cache')
    }
    // A missing asset is answered with the page (client-side routes), never cached as the asset.
    expect(await (await fetch(`${base}/assets/missing.js`)).text()).toContain('<title>Studio</title>')
  })
})
