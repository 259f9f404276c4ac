import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { StudioEvent } from '../../preload/contract'
import { isStudioMethod } from '../../preload/methods'
import { dispatch, httpStatus } from '../engine/api/dispatch'
import { errorMessage } from '../engine/errors'
import { AppSession, type SessionOptions } from '../engine/session'
import { contentSecurityPolicy, hostOk, originOk, tokenEquals } from './guards'
import { BodyTooLarge, parseTarget, readBody, send, sendFile, serveStatic } from './http'
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

const BODY_LIMIT = 10 * 1024 * 1024
const ERROR_NAMES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'PayloadTooLarge',
  421: 'MisdirectedRequest',
}
/** Pages only receive events; a frame from one is at most a close or a ping. */
const WS_MAX_PAYLOAD = 64 * 1024

/**
 * Browser mode: the contract over HTTP (POST /api/call/<method>) and events over a WebSocket
 * (/api/events), bound to 127.0.0.1, every route but the page's static files behind a random token,
 * other origins refused. Media are served by content hash from inside the open project only.
 * No input may stop it: malformed targets get 400, a bad WebSocket frame closes that socket, and a
 * handler that throws answers 500.
 */
export async function startServer(session: AppSession, opts: ServeOptions = {}): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('hex')
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'))
  const sockets = new Set<WebSocket>()
  let port = 0
  const authorized = (req: http.IncomingMessage, url: URL) => {
    const header = req.headers.authorization
    return tokenEquals(header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token'), token)
  }
  const shown = (raw: string | undefined) => JSON.stringify((raw ?? '').slice(0, 200))

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const refuse = (status: number, reason: string, headers: http.OutgoingHttpHeaders = {}) => {
      log(`refused ${req.method} ${shown(req.url)}: ${reason}`)
      send(res, status, { error: { name: ERROR_NAMES[status] ?? 'BadRequest', message: reason } }, headers)
    }
    // The Host first: a DNS-rebinding page learns nothing, not even whether its token guess was right.
    if (!hostOk(req.headers.host, port)) return refuse(421, `host ${shown(req.headers.host)} is not this server`)
    const target = parseTarget(req.url)
    if ('bad' in target) return refuse(400, target.bad)
    const { url } = target
    if (!originOk(req.headers.origin, port)) return refuse(403, `origin ${req.headers.origin} is not allowed`)
    const isApi = url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/')
    if (!isApi) {
      return serveStatic(res, opts.rendererDir, target.path, log, {
        'content-security-policy': contentSecurityPolicy(port),
      })
    }
    if (!authorized(req, url)) return refuse(401, 'missing or wrong token')
    if (url.pathname === '/api/health') return send(res, 200, { ok: true })
    if (url.pathname.startsWith('/media/')) return void serveMedia(session, url.pathname, res, refuse, log)
    const m = /^\/api\/call\/([A-Za-z]+)$/.exec(url.pathname)
    if (!m || req.method !== 'POST') return refuse(404, 'no such route')
    const method = m[1] ?? ''
    if (!isStudioMethod(method)) return refuse(404, `no such method ${JSON.stringify(method)}`)
    void readBody(req, BODY_LIMIT).then(
      async (body) => {
        let payload: unknown
        try {
          payload = body.length ? JSON.parse(body.toString('utf8')) : undefined
        } catch {
          return refuse(400, `${method}: body is not valid JSON`)
        }
        const reply = await dispatch(session.api, method, payload, (line) =>
          log(`${req.method} ${url.pathname}: ${line}`),
        )
        send(res, httpStatus(reply), reply)
      },
      (err: unknown) => {
        if (!(err instanceof BodyTooLarge)) return res.destroy()
        // The connection closes after the answer; what the client still sends is not read.
        refuse(413, err.message, { connection: 'close' })
      },
    )
  }

  const server = http.createServer((req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      log(`error answering ${req.method} ${shown(req.url)}: ${errorMessage(err)}`)
      send(res, 500, { error: { name: 'Error', message: 'the server could not answer this request' } })
    }
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD })
  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    // A socket reset during the handshake must not become an uncaught error.
    socket.on('error', (err) => log(`websocket error: ${err.message}`))
    const target = parseTarget(req.url)
    const [status, bad] = !hostOk(req.headers.host, port)
      ? [421, `host ${shown(req.headers.host)} is not this server`]
      : 'bad' in target
        ? [400, target.bad]
        : target.url.pathname !== '/api/events'
          ? [403, 'no such route']
          : !originOk(req.headers.origin, port)
            ? [403, 'origin not allowed']
            : !authorized(req, target.url)
              ? [401, 'missing or wrong token']
              : [101, null]
    if (bad) {
      log(`refused websocket ${shown(req.url)}: ${bad}`)
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      // ws closes the socket itself on a malformed frame (bad opcode, UTF-8, reserved bits, length)
      // and reports it here; without a listener the report would be an uncaught exception.
      ws.on('error', (err) => log(`websocket error: ${err.message}`))
      ws.on('close', () => sockets.delete(ws))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  server.on('error', (err) => log(`server error: ${err.message}`))
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
      server.closeAllConnections()
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
  const session = new AppSession({
    shell: 'browser',
    onEvent: (e) => server?.broadcast(e),
    recentFile: opts.recentFile,
    modelsDir: opts.modelsDir,
  })
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

/** /media/thumb/<sha256> and /media/original/<sha256>: only files of images in this project. */
async function serveMedia(
  session: AppSession,
  pathname: string,
  res: http.ServerResponse,
  refuse: (s: number, r: string) => void,
  log: (l: string) => void,
): Promise<void> {
  const [, , kind = '', hash = ''] = pathname.split('/')
  if (!session.studio) return refuse(404, 'no project is open')
  try {
    const answer = await resolveMedia(session.studio, kind, hash)
    if ('status' in answer) return refuse(answer.status, answer.reason)
    sendFile(
      res,
      answer.file,
      { 'content-type': answer.mime, 'cache-control': 'private, max-age=31536000, immutable' },
      log,
    )
  } catch (err) {
    log(`error serving ${pathname}: ${errorMessage(err)}`)
    send(res, 500, { error: { name: 'Error', message: 'the image could not be served' } })
  }
}
