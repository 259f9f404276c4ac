import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BodyTooLarge, parseTarget, readBody, sendFile } from '../../main/server/http'
import { tmpDir } from '../helpers/fixtures'

/** The server's small HTTP pieces, each against a real socket. */

const root = tmpDir()
const servers: http.Server[] = []
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))))

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('sendFile', () => {
  it('streams a regular file and answers 404 for a folder or a missing file, never a directory listing', async () => {
    fs.writeFileSync(path.join(root, 'a.txt'), 'hello')
    fs.mkdirSync(path.join(root, 'folder'))
    const logged: string[] = []
    const base = await serve((req, res) =>
      sendFile(res, path.join(root, decodeURIComponent(req.url!.slice(1))), { 'content-type': 'text/plain' }, (l) =>
        logged.push(l),
      ),
    )
    const ok = await fetch(`${base}/a.txt`)
    expect([ok.status, await ok.text(), ok.headers.get('content-length')]).toEqual([200, 'hello', '5'])
    const folder = await fetch(`${base}/folder`)
    expect(folder.status).toBe(404)
    expect(await folder.json()).toEqual({ error: { name: 'NotFound', message: 'no such file' } })
    expect((await fetch(`${base}/missing`)).status).toBe(404)
    expect(logged).toEqual([])
  })
})

describe('readBody', () => {
  it('returns the body up to the limit and BodyTooLarge past it, having read the rest', async () => {
    const seen: unknown[] = []
    const base = await serve((req, res) => {
      readBody(req, 100).then(
        (b) => (seen.push(b.length), res.end('ok')),
        (e: unknown) => (seen.push(e instanceof BodyTooLarge ? `too large, drained ${e.drained}` : e), res.end('no')),
      )
    })
    await fetch(base, { method: 'POST', body: 'x'.repeat(100) })
    await fetch(base, { method: 'POST', body: 'x'.repeat(101) })
    await fetch(base, { method: 'POST', body: 'x'.repeat(401) })
    // Past limit + 4 × limit the rest is not read: the answer may go before the client finished.
    await fetch(base, { method: 'POST', body: 'x'.repeat(100_000) }).catch(() => null)
    expect(seen).toEqual([100, 'too large, drained true', 'too large, drained true', 'too large, drained false'])
  })
})

describe('parseTarget', () => {
  it('decodes the path and refuses what cannot be one', () => {
    expect(parseTarget('/a%20b?x=1')).toMatchObject({ path: '/a b' })
    expect(parseTarget('/%2e%2e/x')).toMatchObject({ path: '/x' })
    expect(parseTarget('/..%2Fx')).toMatchObject({ path: '/../x' })
    expect(parseTarget('/%ZZ')).toEqual({ bad: 'the path has a malformed percent escape' })
    expect(parseTarget('/a%00b')).toEqual({ bad: 'the path contains a NUL byte' })
    expect(parseTarget('http://[')).toEqual({ bad: 'the request target is not a valid URL' })
  })
})
