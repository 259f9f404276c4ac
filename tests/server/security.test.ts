import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { contentSecurityPolicy, hostOk, originOk, tokenEquals } from '../../main/server/guards'
import { serveProject } from '../../main/server/server'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { bodyOf, exchange, statusOf } from './raw'

const root = tmpDir()
const logged: string[] = []
let server: Awaited<ReturnType<typeof serveProject>>
let base = ''

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'a'), 2, 0)
  Studio.init(path.join(root, 'proj')).close()
  fs.mkdirSync(path.join(root, 'renderer'))
  fs.writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Studio</title>')
  server = await serveProject(path.join(root, 'proj'), {
    rendererDir: path.join(root, 'renderer'),
    log: (l) => logged.push(l),
    recentFile: path.join(root, 'recent.json'),
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.close())

/** A GET that names `host` as the only Host header (rawGet always sends ours). */
const getAs = (host: string, target: string, headers: string[] = []) =>
  exchange(
    server.port,
    [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...headers, '', ''].join('\r\n'),
  )

const healthy = async () =>
  (await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${server.token}` } })).status === 200

describe('the Host header (DNS rebinding)', () => {
  it('accepts the loopback names with our port only', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080']) {
      expect(hostOk(host, 8080)).toBe(true)
    }
    const refused = ['evil.example:8080', '127.0.0.1:8081', '127.0.0.1', 'localhost', '127.0.0.2:8080']
    for (const host of [...refused, 'localhost.evil.example:8080', '[::2]:8080', '', undefined]) {
      expect(hostOk(host, 8080)).toBe(false)
    }
  })

  it('refuses a rebinding name with 421 before the token is checked, for the API, media and the page', async () => {
    const evil = `rebind.evil.example:${server.port}`
    for (const target of ['/api/health', `/media/thumb/${'0'.repeat(64)}`, '/', '/index.html']) {
      const reply = await getAs(evil, target, [`Authorization: Bearer ${server.token}`])
      expect(statusOf(reply)).toBe(421)
      expect(bodyOf(reply)).not.toMatch(/"ok"|<title>Studio/)
    }
    // Even a right token in the address gets no further, and a wrong one gets 421, not 401.
    const withToken = await getAs(evil, `/api/health?token=${server.token}`)
    expect(statusOf(withToken)).toBe(421)
    expect(JSON.parse(bodyOf(withToken))).toEqual({
      error: { name: 'MisdirectedRequest', message: `host "${evil}" is not this server` },
    })
    expect(statusOf(await getAs(evil, '/api/health?token=wrong'))).toBe(421)
    // Our name on another port, and no port at all, are refused too.
    expect(statusOf(await getAs(`127.0.0.1:${server.port + 1}`, '/'))).toBe(421)
    expect(statusOf(await getAs('localhost', '/'))).toBe(421)
    expect(await healthy()).toBe(true)
  })

  it('answers localhost and [::1] with our port', async () => {
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`]) {
      expect(statusOf(await getAs(host, '/api/health', [`Authorization: Bearer ${server.token}`]))).toBe(200)
    }
  })

  it('refuses a WebSocket upgrade from a rebinding name, even with the token', async () => {
    const reply = await exchange(
      server.port,
      [
        `GET /api/events?token=${server.token} HTTP/1.1`,
        `Host: rebind.evil.example:${server.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    )
    expect(statusOf(reply)).toBe(421)
    expect(logged.at(-1)).toMatch(/^refused websocket .*host "rebind\.evil\.example:\d+" is not this server/)
    expect(await healthy()).toBe(true)
  })
})

describe('origins and the token', () => {
  it('allows no Origin and our own loopback origins only', () => {
    expect(originOk(undefined, 80)).toBe(true)
    expect(originOk('http://127.0.0.1:80', 80)).toBe(true)
    expect(originOk('http://localhost:80', 80)).toBe(true)
    expect(originOk('http://127.0.0.1:81', 80)).toBe(false)
    expect(originOk('http://evil.example', 80)).toBe(false)
    expect(originOk('null', 80)).toBe(false)
  })

  it('compares tokens of any length without throwing', () => {
    expect(tokenEquals('abc', 'abc')).toBe(true)
    expect(tokenEquals('abd', 'abc')).toBe(false)
    expect(tokenEquals('ab', 'abc')).toBe(false)
    expect(tokenEquals('abcd', 'abc')).toBe(false)
    expect(tokenEquals('', 'abc')).toBe(false)
    expect(tokenEquals(null, 'abc')).toBe(false)
    expect(tokenEquals('x'.repeat(10_000), 'abc')).toBe(false)
  })
})

describe('request bodies over the limit', () => {
  it('answer 413 with a JSON error and the server goes on', async () => {
    const res = await fetch(`${base}/api/call/stats`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    })
    expect(res.status).toBe(413)
    expect(res.headers.get('connection')).toBe('close')
    expect(await res.json()).toEqual({
      error: { name: 'PayloadTooLarge', message: 'request body over 10485760 bytes' },
    })
    expect(await healthy()).toBe(true)
  })

  it('a chunked body (no Content-Length) is cut at the limit too', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    const parts = [
      `POST /api/call/stats HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\n` +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    ]
    const body = Buffer.concat([
      Buffer.from(parts[0]!),
      ...Array.from({ length: 11 }, () =>
        Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
      ),
      Buffer.from('0\r\n\r\n'),
    ])
    const reply = await exchange(server.port, body, 5000)
    expect(statusOf(reply)).toBe(413)
    expect(JSON.parse(bodyOf(reply))).toMatchObject({ error: { name: 'PayloadTooLarge' } })
    expect(await healthy()).toBe(true)
  })
})

describe('the page', () => {
  it('is sent with a CSP header without inline scripts or styles, and nosniff', async () => {
    const res = await fetch(`${base}/`)
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toBe(contentSecurityPolicy(server.port))
    expect(csp).toMatch(/(^|; )style-src 'self'(;|$)/)
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/)
    expect(csp).toMatch(/frame-ancestors 'none'/)
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
