import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { studioSpawn } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { clientFrame, exchange, openEvents, sendFrames } from './raw'

/**
 * Property: whatever arrives on the socket — random bytes, request lines with hostile targets and
 * headers, frames on an authenticated WebSocket — a real `studio serve` process still answers
 * /api/health afterwards (and has not exited).
 */

const root = tmpDir()
let child: ChildProcess
let port = 0
let token = ''
let exited: number | null = null

async function healthy(): Promise<boolean> {
  if (exited !== null) return false
  const res = await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { authorization: `Bearer ${token}` } })
  return res.status === 200
}

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'a'), 2, 0)
  const studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  studio.close()
  child = studioSpawn(['serve', '--project', path.join(root, 'proj'), '--json'])
  child.on('exit', (code) => (exited = code ?? -1))
  const line = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0]!)),
  )
  const info = JSON.parse(line) as { url: string; token: string }
  port = Number(new URL(info.url).port)
  token = info.token
}, 60_000)
afterAll(async () => {
  child.kill('SIGTERM')
  await new Promise((r) => (exited !== null ? r(null) : child.on('exit', r)))
})

const pieces = fc.constantFrom(
  '/',
  '//',
  '/api/',
  '/api/call/',
  'stats',
  'openProject',
  '/api/events',
  '/api/health',
  '/media/original/',
  '/media/thumb/',
  'index.html',
  '..',
  '.',
  '%',
  '%Z',
  '%ZZ',
  '%E0%A4%A',
  '%00',
  '%2F',
  '%2e%2e',
  '%C0%AF',
  '%FF',
  '?token=',
  '#',
  '[',
  ']',
  '@',
  ':',
  '\\',
  'http://[',
  'http://127.0.0.1',
  '*',
  'é',
  '\u0000',
  '0'.repeat(64),
)
const target = fc.oneof(
  fc.array(pieces, { maxLength: 8 }).map((p) => p.join('')),
  fc.string({ maxLength: 40 }),
)
const headerLine = fc.oneof(
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 })).map(([k, v]) => `${k}: ${v}`),
  fc.constantFrom(
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Content-Length: 5',
    'Content-Length: -1',
    'Transfer-Encoding: chunked',
    'Origin: http://evil.example',
    'Sec-WebSocket-Version: 13',
    'Authorization: Bearer ',
  ),
  fc.constant('AUTH'),
)

describe('studio serve under hostile input', () => {
  it('survives random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        await exchange(port, Buffer.from(bytes), 150)
        expect(await healthy()).toBe(true)
      }),
      { numRuns: 40 },
    )
  }, 120_000)

  it('survives hostile request lines, targets, headers and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS', 'G\u0000T'),
        target,
        fc.array(headerLine, { maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        async (method, t, headers, body) => {
          const lines = headers.map((h) => (h === 'AUTH' ? `Authorization: Bearer ${token}` : h))
          const head = [
            `${method} ${t} HTTP/1.1`,
            `Host: 127.0.0.1:${port}`,
            'Connection: close',
            ...lines,
            '',
            '',
          ].join('\r\n')
          await exchange(port, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]), 150)
          expect(await healthy()).toBe(true)
        },
      ),
      { numRuns: 80 },
    )
  }, 180_000)

  it('survives random frames on an authenticated WebSocket', async () => {
    const frame = fc.record({
      first: fc.integer({ min: 0, max: 255 }),
      payload: fc.uint8Array({ maxLength: 64 }),
      declared: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const socket = await openEvents(port, token)
        const bytes = Buffer.concat(
          frames.map((f) => clientFrame(f.first, Buffer.from(f.payload), f.declared ?? undefined)),
        )
        await sendFrames(socket, bytes, 150)
        expect(await healthy()).toBe(true)
      }),
      { numRuns: 40 },
    )
  }, 120_000)
})
