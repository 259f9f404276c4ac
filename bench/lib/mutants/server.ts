import { m, type Mutant } from './mutant'

/** The raw-socket server tests (no CLI processes: fast). */
const SERVER = [
  'tests/server/http.test.ts',
  'tests/server/robustness.test.ts',
  'tests/server/security.test.ts',
  'tests/server/confinement.test.ts',
  'tests/main/shell.test.ts',
]
const SERVER_ALL = [...SERVER, 'tests/server/server.test.ts']

const media = 'main/server/media.ts'
const http = 'main/server/http.ts'
const server = 'main/server/server.ts'
const guards = 'main/server/guards.ts'

export const SERVER_MUTANTS: Mutant[] = [
  m(
    'server',
    media,
    'no realpath check (symlinks out of the project served)',
    `    if (!real.startsWith(fs.realpathSync(studio.root) + path.sep))
      return { status: 403, reason: 'file is outside the project' }
`,
    '',
    SERVER,
  ),
  m('server', media, 'hash pattern unanchored', '!/^[0-9a-f]{64}$/.test(hash)', '!/[0-9a-f]{64}/.test(hash)', SERVER),
  m(
    'server',
    http,
    'static files: no normalisation and no root check',
    `const wanted = path.resolve(root, '.' + path.posix.normalize(decodedPath))
  const isFile = wanted.startsWith(root + path.sep) && fs.statSync`,
    `const wanted = path.resolve(root, '.' + decodedPath)
  const isFile = fs.statSync`,
    SERVER,
  ),
  m(
    'server',
    http,
    'NUL bytes reach the file system',
    `if (decoded.includes('\\0')) return { bad: 'the path contains a NUL byte' }`,
    '',
    SERVER,
  ),
  m('server', http, 'a folder is streamed as a file', 'if (err || !st.isFile())', 'if (err)', SERVER),
  m(
    'server',
    http,
    'bodies over the limit reset the connection',
    'else if (size > limit + drainLimit) {',
    'else {',
    SERVER,
  ),
  m(
    'server',
    server,
    'no Host check on HTTP',
    'if (!hostOk(req.headers.host, port)) return refuse(421',
    'if (!hostOk(req.headers.host, port) && false) return refuse(421',
    SERVER,
  ),
  m(
    'server',
    server,
    'no Host check on WebSocket upgrades',
    'const [status, bad] = !hostOk(req.headers.host, port)',
    'const [status, bad] = false',
    SERVER,
  ),
  m(
    'server',
    server,
    'other origins allowed',
    'if (!originOk(req.headers.origin, port)) return refuse(403',
    'if (false) return refuse(403',
    SERVER_ALL,
  ),
  m('server', server, 'WebSocket without the token', ': !authorized(req, target.url)', ': false', SERVER_ALL),
  m(
    'server',
    server,
    'body limit of 100 MB',
    'const BODY_LIMIT = 10 * 1024 * 1024',
    'const BODY_LIMIT = 100 * 1024 * 1024',
    SERVER,
  ),
  m(
    'server',
    guards,
    'any token accepted',
    'return timingSafeEqual(digest(given), digest(token))',
    'return timingSafeEqual(digest(given), digest(given))',
    SERVER_ALL,
  ),
  m('server', guards, 'any port in the Host accepted', '&& Number(m[2]) === port', '', SERVER),
  m(
    'server',
    guards,
    'inline styles allowed by the CSP',
    `"style-src 'self'",`,
    `"style-src 'self' 'unsafe-inline'",`,
    SERVER,
  ),
]
