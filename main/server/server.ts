import { randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { StudioEvent } from '../../preload/contract'
import { isStudioMethod } from '../../preload/methods'
import { dispatch, httpStatus } from '../engine/api/dispatch'
import { AppSession, type SessionOptions } from '../engine/session'
import { resolveMedia } from './media'

export interface ServeOptions {
  /** 0 (default) picks a free port. */
  port?: number
  /** Built renderer (out/renderer); the page is served from here. */
  rendererDir?: string
  token?: string
  /** Where refused requests are logged, one line each. */
  log?: (line: string) => void
}

export interface RunningServer {
  url: string
  token: string
  port: number
  /** Sends an event to every connected page. */
  broadcast(e: StudioEvent): void
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
}

/**
 * Browser mode: the contract over HTTP (POST /api/call/<method>) and events over a WebSocket
 * (/api/events), bound to 127.0.0.1, every route but the page's static files behind a random token,
 * other origins refused. Media are served by content hash from inside the open project only.
 */
export async function startServer(session: AppSession, opts: ServeOptions = {}): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('hex')
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'))
  const sockets = new Set<WebSocket>()
  let port = 0
  const origins = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
  const tokenOk = (given: string | null) => {
    if (!given) return false
    const a = Buffer.from(given)
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b)
  }
  const authorized = (req: http.IncomingMessage, url: URL) => {
    const header = req.headers.authorization
    return tokenOk(header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token'))
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const refuse = (status: number, reason: string) => {
      log(`refused ${req.method} ${url.pathname}: ${reason}`)
      send(res, status, { error: { name: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'BadRequest', message: reason } })
    }
    if (req.headers.origin && !origins().includes(req.headers.origin)) return refuse(403, `origin ${req.headers.origin} is not allowed`)
    const isApi = url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/')
    if (!isApi) return serveStatic(res, opts.rendererDir, url.pathname)
    if (!authorized(req, url)) return refuse(401, 'missing or wrong token')
    if (url.pathname === '/api/health') return send(res, 200, { ok: true })
    if (url.pathname.startsWith('/media/')) return void serveMedia(session, url.pathname, res, refuse)
    const m = /^\/api\/call\/([A-Za-z]+)$/.exec(url.pathname)
    if (!m || req.method !== 'POST') return refuse(404, 'no such route')
    const method = m[1] ?? ''
    if (!isStudioMethod(method)) return refuse(404, `no such method ${JSON.stringify(method)}`)
    readBody(req, 10 * 1024 * 1024)
      .then(async (body) => {
        let payload: unknown
        try {
          payload = body.length ? JSON.parse(body.toString('utf8')) : undefined
        } catch {
          return refuse(400, `${method}: body is not valid JSON`)
        }
        const reply = await dispatch(session.api, method, payload, (line) => log(`${req.method} ${url.pathname}: ${line}`))
        send(res, httpStatus(reply), reply)
      })
      .catch((err: Error) => refuse(413, err.message))
  })

  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const bad = url.pathname !== '/api/events' ? 'no such route' : req.headers.origin && !origins().includes(req.headers.origin) ? 'origin not allowed' : !authorized(req, url) ? 'missing or wrong token' : null
    if (bad) {
      log(`refused websocket ${url.pathname}: ${bad}`)
      socket.write(`HTTP/1.1 ${bad === 'missing or wrong token' ? '401 Unauthorized' : '403 Forbidden'}\r\n\r\n`)
      return socket.destroy()
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    broadcast: (e) => {
      const msg = JSON.stringify(e)
      for (const s of sockets) s.send(msg)
    },
    close: async () => {
      for (const s of sockets) s.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

/**
 * `studio serve`: a browser-mode session (the project in `dir` open, or none: the page starts in
 * Projects) with its events going to the connected pages. Closing the server closes the project.
 */
export async function serveProject(
  dir: string | null,
  opts: ServeOptions & Pick<SessionOptions, 'recentFile' | 'modelsDir'> = {},
): Promise<RunningServer & { session: AppSession }> {
  let server: RunningServer | null = null
  const session = new AppSession({ shell: 'browser', onEvent: (e) => server?.broadcast(e), recentFile: opts.recentFile, modelsDir: opts.modelsDir })
  if (dir) session.open(dir)
  try {
    server = await startServer(session, opts)
  } catch (err) {
    session.close()
    throw err
  }
  const running = server
  return {
    ...running,
    session,
    close: async () => {
      await running.close()
      session.close()
    },
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), 'cache-control': 'no-store' })
  res.end(data)
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** /media/thumb/<sha256> and /media/original/<sha256>: only files of images in this project. */
async function serveMedia(session: AppSession, pathname: string, res: http.ServerResponse, refuse: (s: number, r: string) => void): Promise<void> {
  const [, , kind = '', hash = ''] = pathname.split('/')
  if (!session.studio) return refuse(404, 'no project is open')
  const answer = await resolveMedia(session.studio, kind, hash)
  if ('status' in answer) return refuse(answer.status, answer.reason)
  res.writeHead(200, { 'content-type': answer.mime, 'cache-control': 'private, max-age=31536000, immutable' })
  fs.createReadStream(answer.file).pipe(res)
}

function serveStatic(res: http.ServerResponse, dir: string | undefined, pathname: string): void {
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
    return void res.end('The Studio page is not built yet: run `npm run build`, then start `studio serve` again.\n')
  }
  const root = path.resolve(dir)
  const wanted = path.resolve(root, '.' + path.posix.normalize(decodeURIComponent(pathname)))
  const file = wanted.startsWith(root + path.sep) && fs.existsSync(wanted) && fs.statSync(wanted).isFile() ? wanted : path.join(root, 'index.html')
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' })
  fs.createReadStream(file).pipe(res)
}
