// Preloaded with `--import` (through NODE_OPTIONS, so forked processes load it too): records every
// outbound network attempt of this process or thread to $STUDIO_NET_TRAP_LOG, one JSON line each,
// and makes any attempt at a non-loopback address fail. A `loaded` line says where the trap ran.
import dgram from 'node:dgram'
import dns from 'node:dns'
import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'
import { pathToFileURL } from 'node:url'
import workerThreads, { threadId } from 'node:worker_threads'

const log = process.env.STUDIO_NET_TRAP_LOG
const record = (kind, target) =>
  log && fs.appendFileSync(log, JSON.stringify({ pid: process.pid, threadId, kind, target }) + '\n')

/** 127.0.0.0/8, ::1 (also IPv4-mapped), localhost; no host means localhost to net. */
export function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true
  const h = String(host)
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
  // 0.0.0.0 and :: are what a socket binds to (dgram looks them up), not a destination elsewhere.
  if (h === '0.0.0.0' || h === '::') return true
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h) || h.endsWith('.localhost')
}

/** net's argument forms: (options), (port, host), (path), or the internal normalised array. */
function targetOf(args) {
  const a = Array.isArray(args[0]) ? args[0] : args
  const first = a[0]
  if (first && typeof first === 'object') {
    return first.path ? { path: first.path } : { host: first.host ?? first.hostname, port: first.port }
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first }
  return { host: typeof a[1] === 'string' ? a[1] : undefined, port: first }
}

const refused = (what) => Object.assign(new Error(`network trapped: ${what}`), { code: 'ENETUNREACH' })

const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  const t = targetOf(args)
  if (!t.path && !isLoopback(t.host)) {
    record('connect', `${t.host}:${t.port}`)
    process.nextTick(() => this.destroy(refused(`${t.host}:${t.port}`)))
    return this
  }
  return connect.apply(this, args)
}

const lookup = dns.lookup
dns.lookup = function (host, ...rest) {
  if (!isLoopback(host)) {
    record('lookup', host)
    const cb = rest.at(-1)
    if (typeof cb === 'function') process.nextTick(() => cb(refused(host)))
    return {}
  }
  return lookup.call(this, host, ...rest)
}
const lookupPromise = dns.promises.lookup
dns.promises.lookup = async function (host, ...rest) {
  if (!isLoopback(host)) {
    record('lookup', host)
    throw refused(host)
  }
  return lookupPromise.call(this, host, ...rest)
}
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  const original = dns[name]
  dns[name] = function (host, ...rest) {
    if (!isLoopback(host)) record('resolve', host)
    return original.call(this, host, ...rest)
  }
}

const send = dgram.Socket.prototype.send
dgram.Socket.prototype.send = function (msg, ...rest) {
  const host = rest.find((a) => typeof a === 'string')
  if (!isLoopback(host)) record('udp', String(host))
  return send.call(this, msg, ...rest)
}

const udpConnect = dgram.Socket.prototype.connect
dgram.Socket.prototype.connect = function (port, ...rest) {
  const host = rest.find((a) => typeof a === 'string')
  if (!isLoopback(host)) record('udp', `${host}:${port}`)
  return udpConnect.call(this, port, ...rest)
}

// Worker threads do not run NODE_OPTIONS' --import: each new Worker loads this file first, then its
// own code (an eval'd string, as Studio uses from source, or a file).
const trapUrl = import.meta.url
const OriginalWorker = workerThreads.Worker
class TrappedWorker extends OriginalWorker {
  constructor(entry, options = {}) {
    const start = options.eval
      ? `{ ${entry} }`
      : `import(${JSON.stringify(entry instanceof URL ? entry.href : pathToFileURL(String(entry)).href)})`
    super(`import(${JSON.stringify(trapUrl)}).then(() => ${start})`, { ...options, eval: true })
  }
}
workerThreads.Worker = TrappedWorker
syncBuiltinESMExports()

record('loaded', process.argv[1] ?? '')
