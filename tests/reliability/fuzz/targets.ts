import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { httpStatus, type Reply } from '../../../main/engine/api/dispatch'
import { AppSession } from '../../../main/engine/session'
import { registerIpc, type IpcEventLike, type IpcMainLike } from '../../../main/ipc'
import type { StudioMethod } from '../../../preload/contract'
import { clientFrame, exchange, openEvents, sendFrames, statusOf } from '../../server/raw'
import { JOB_KINDS, type FuzzTarget } from './requests'

/** The two transports of the contract as fuzz targets: a real `studio serve` process, and the IPC binding. */

const STUDIO_BIN = path.resolve(import.meta.dirname, '../../../bin/studio.mjs')

export interface ServeTarget extends FuzzTarget {
  port: number
  token: string
  /** True while the process runs and /api/health answers 200. */
  healthy(): Promise<boolean>
  /** What the server wrote to stderr (its log). */
  log(): string
  stop(): Promise<void>
}

export async function serveTarget(project: string, home: string): Promise<ServeTarget> {
  const child: ChildProcess = spawn(process.execPath, [STUDIO_BIN, 'serve', '--project', project, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home },
  })
  let exited = false
  let stderr = ''
  child.on('exit', () => (exited = true))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const line = await new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!)
    })
    child.on('exit', (code) => reject(new Error(`studio serve exited ${code}: ${stderr}`)))
  })
  const info = JSON.parse(line) as { url: string; token: string }
  const port = Number(new URL(info.url).port)
  const auth = { authorization: `Bearer ${info.token}` }
  const call = async (method: StudioMethod, payload: unknown) => {
    const body = payload === undefined ? '' : JSON.stringify(payload)
    const res = await fetch(`http://127.0.0.1:${port}/api/call/${method}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    })
    await res.arrayBuffer()
    return res.status
  }
  return {
    port,
    token: info.token,
    call,
    reopen: async () => void (await call('openProject', { path: project })),
    healthy: async () => {
      if (exited) return false
      try {
        return (await fetch(`http://127.0.0.1:${port}/api/health`, { headers: auth })).status === 200
      } catch {
        return false
      }
    },
    log: () => stderr,
    stop: async () => {
      if (exited) return
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

/** Electron's ipcMain, as much of it as main/ipc.ts uses. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (e: IpcEventLike, p: unknown) => Promise<unknown>>()
  handle(channel: string, fn: (e: IpcEventLike, p: unknown) => Promise<unknown>) {
    this.handlers.set(channel, fn)
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel)
  }
}

export interface IpcTarget extends FuzzTarget {
  /** Errors the handlers let escape (a rejected invoke) and unhandled rejections meanwhile. */
  unhandled: string[]
  /** Cancels what the requests started and closes the project (a running job refuses the close). */
  close(): Promise<void>
}

export function ipcTarget(project: string, recentFile: string): IpcTarget {
  const session = new AppSession({ shell: 'electron', onEvent: () => {}, recentFile })
  session.open(project)
  const ipc = new FakeIpcMain()
  const unregister = registerIpc(
    ipc,
    session.api,
    (e) => e.sender === 'main-window',
    () => {},
  )
  const unhandled: string[] = []
  const onRejection = (err: unknown) => unhandled.push(`unhandled rejection: ${String(err)}`)
  process.on('unhandledRejection', onRejection)
  const ours = { sender: 'main-window', senderFrame: { url: 'file:///app/out/renderer/index.html' } }
  const call = async (method: StudioMethod, payload: unknown) => {
    try {
      const reply = (await ipc.handlers.get(`studio:${method}`)!(ours, payload)) as Reply
      return httpStatus(reply)
    } catch (err) {
      unhandled.push(`studio:${method} rejected: ${String(err)}`)
      return 500
    }
  }
  return {
    call,
    reopen: async () => void (await call('openProject', { path: project })),
    unhandled,
    close: async () => {
      for (let tries = 0; ; tries++) {
        try {
          session.close()
          break
        } catch (err) {
          if (tries > 150) throw err
          await call('cancelTraining', undefined)
          for (const kind of JOB_KINDS) await call('cancelJob', { kind })
          await new Promise((r) => setTimeout(r, 200))
        }
      }
      process.off('unhandledRejection', onRejection)
      unregister()
    },
  }
}

export interface RawResult {
  requests: number
  status500: number
}

/** Random bytes, hostile request lines and headers, and random WebSocket frames, `n` of each. */
export async function rawTraffic(s: ServeTarget, n: number, rand: () => number): Promise<RawResult> {
  const out: RawResult = { requests: 0, status500: 0 }
  const pieces = [
    '/',
    '//',
    '/api/call/',
    'stats',
    '/api/events',
    '/media/original/',
    '..',
    '%',
    '%ZZ',
    '%00',
    '%2e%2e',
    '%C0%AF',
    '?token=',
    '\\',
    'é',
    '0'.repeat(64),
    `?token=${s.token}`,
  ]
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const bytes = (max: number) => randomBytes(Math.floor(rand() * max))
  const count = (reply: Buffer) => {
    out.requests++
    if (statusOf(reply) >= 500) out.status500++
  }
  for (let i = 0; i < n; i++) {
    count(await exchange(s.port, bytes(400), 100))
    const target = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(pieces)).join('')
    const headers = [
      `Host: ${pick([`127.0.0.1:${s.port}`, 'evil.example', '', `localhost:${s.port}`])}`,
      pick(['Content-Length: 5', 'Content-Length: -1', 'Transfer-Encoding: chunked', 'Upgrade: websocket', 'X: y']),
      pick([`Authorization: Bearer ${s.token}`, 'Authorization: Bearer nope', 'Origin: http://evil.example']),
      'Connection: close',
    ]
    const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'G\u0000T', 'BREW'])
    const head = Buffer.from([`${method} ${target} HTTP/1.1`, ...headers, '', ''].join('\r\n'), 'latin1')
    count(await exchange(s.port, Buffer.concat([head, bytes(64)]), 150))
    try {
      const socket = await openEvents(s.port, s.token)
      const frames = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
        clientFrame(
          Math.floor(rand() * 256),
          bytes(64),
          rand() < 0.2 ? BigInt(Math.floor(rand() * 2 ** 40)) : undefined,
        ),
      )
      await sendFrames(socket, Buffer.concat(frames), 100)
      out.requests++
    } catch {
      out.requests++
      out.status500++ // the handshake itself failed: the server did not answer 101
    }
  }
  return out
}
