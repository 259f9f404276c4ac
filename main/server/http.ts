import fs from 'node:fs'
import type http from 'node:http'
import path from 'node:path'

/**
 * Small HTTP pieces of the browser-mode server. Everything here answers malformed input with a
 * status instead of throwing: a throw in a request handler would take the whole server down.
 */

/** A request target as the server reads it: the URL and its decoded path, or why it cannot be read. */
export type Target = { url: URL; path: string } | { bad: string }

export function parseTarget(raw: string | undefined): Target {
  let url: URL
  try {
    url = new URL(raw ?? '/', 'http://127.0.0.1')
  } catch {
    return { bad: 'the request target is not a valid URL' }
  }
  let decoded: string
  try {
    decoded = decodeURIComponent(url.pathname)
  } catch {
    return { bad: 'the path has a malformed percent escape' }
  }
  if (decoded.includes('\0')) return { bad: 'the path contains a NUL byte' }
  return { url, path: decoded }
}

export function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  if (res.headersSent) return void res.destroy()
  const data = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(data)
}

/**
 * A request body over the size limit. `drained`: the rest of the body was read and dropped, so the
 * 413 reaches the client before the connection closes; false when even that was too much.
 */
export class BodyTooLarge extends Error {
  constructor(
    limit: number,
    readonly drained: boolean,
  ) {
    super(`request body over ${limit} bytes`)
  }
}

/**
 * The body, up to `limit` bytes. Past the limit the rest is read and dropped (up to `drainLimit`
 * more), then BodyTooLarge: closing a socket that still has unread data sends a TCP reset, which can
 * make the client lose the 413 it was about to read. A Content-Length over the limit is refused at
 * once, without reading.
 */
export function readBody(req: http.IncomingMessage, limit: number, drainLimit = 4 * limit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit + drainLimit) return reject(new BodyTooLarge(limit, false))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= limit) chunks.push(c)
      else if (size > limit + drainLimit) {
        req.removeAllListeners('data')
        req.pause()
        reject(new BodyTooLarge(limit, false))
      }
    })
    req.on('end', () => (size > limit ? reject(new BodyTooLarge(limit, true)) : resolve(Buffer.concat(chunks))))
    req.on('error', reject)
  })
}

/**
 * Streams a regular file with `headers`; a path that is not one (gone, a folder) is a 404. An error
 * once the headers are out can only end the response.
 */
export function sendFile(
  res: http.ServerResponse,
  file: string,
  headers: http.OutgoingHttpHeaders,
  log: (l: string) => void,
): void {
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return send(res, 404, { error: { name: 'NotFound', message: 'no such file' } })
    const stream = fs.createReadStream(file)
    stream.on('error', (e) => {
      log(`error reading ${file}: ${e.message}`)
      if (res.headersSent) res.destroy()
      else send(res, 500, { error: { name: 'Error', message: 'the file could not be read' } })
    })
    stream.once('open', () => {
      res.writeHead(200, { ...headers, 'content-length': st.size })
      stream.pipe(res)
    })
  })
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
}

/**
 * The page: a file of the built renderer, else index.html (client-side routes); never outside `dir`.
 * `headers` go with every file (the page's CSP).
 */
export function serveStatic(
  res: http.ServerResponse,
  dir: string | undefined,
  decodedPath: string,
  log: (l: string) => void,
  headers: http.OutgoingHttpHeaders = {},
): void {
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
    return void res.end('The Studio page is not built yet: run `npm run build`, then start `studio serve` again.\n')
  }
  const root = path.resolve(dir)
  const wanted = path.resolve(root, '.' + path.posix.normalize(decodedPath))
  const isFile = wanted.startsWith(root + path.sep) && fs.statSync(wanted, { throwIfNoEntry: false })?.isFile()
  const file = isFile ? wanted : path.join(root, 'index.html')
  const type = MIME[path.extname(file)] ?? 'application/octet-stream'
  // The build names every file under assets/ by its content hash: a reload takes them from the cache.
  // The page itself is asked again each time (it names the current build's files).
  const hashed = isFile && path.relative(root, file).split(path.sep)[0] === 'assets'
  const cache = hashed ? 'public, max-age=31536000, immutable' : 'no-cache'
  sendFile(
    res,
    file,
    { ...headers, 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': cache },
    log,
  )
}
