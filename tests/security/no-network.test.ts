import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { writeShapes } from '../../main/cli/demo-shapes'
import { STUDIO_BIN } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'

/**
 * Studio never reaches the network: import, training (its forked trainer and worker threads),
 * export (its self-test process) and serve run with ./net-trap.mjs preloaded through NODE_OPTIONS,
 * which records every connection, DNS lookup or UDP send to anything but loopback. The first test
 * shows the trap catches each kind, in a forked process and a worker thread too.
 */

const root = tmpDir()
const trap = pathToFileURL(path.join(import.meta.dirname, 'net-trap.mjs')).href
/** The environment of a trapped process tree logging to `log`. */
const trapped = (log: string) => ({
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${trap}`,
  STUDIO_NET_TRAP_LOG: log,
  STUDIO_HOME: path.join(root, 'home'),
})

interface Entry {
  pid: number
  threadId: number
  kind: 'loaded' | 'connect' | 'lookup' | 'resolve' | 'udp'
  target: string
}
const entries = (log: string): Entry[] =>
  fs.existsSync(log)
    ? fs
        .readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Entry)
    : []

function run(args: string[], env: NodeJS.ProcessEnv): { pid: number; stdout: string } {
  const r = spawnSync(process.execPath, [STUDIO_BIN, ...args], { env, encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0) throw new Error(`studio ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return { pid: r.pid!, stdout: r.stdout }
}

describe('the network trap', () => {
  it('records connections, lookups and UDP from a process, its worker threads and its forked children', () => {
    const probe = path.join(root, 'probe.mjs')
    fs.writeFileSync(
      probe,
      `import net from 'node:net'
import dns from 'node:dns'
import dgram from 'node:dgram'
import { fork } from 'node:child_process'
import { Worker } from 'node:worker_threads'
if (process.argv[2] === 'child') {
  net.connect(443, '192.0.2.7').on('error', () => process.exit(0))
} else {
  await fetch('http://203.0.113.9/').catch(() => {})
  await new Promise((r) => dns.lookup('example.net', () => r()))
  dgram.createSocket('udp4').send('x', 53, '198.51.100.3', (e, n) => {})
  const inThread = "require('node:net').connect(80, '198.51.100.1').on('error', () => {})"
  await new Promise((r) => new Worker(inThread, { eval: true }).on('exit', r))
  await new Promise((r) => fork(${JSON.stringify(probe)}, ['child']).on('exit', r))
  await new Promise((r) => net.connect(9, '127.0.0.1').on('error', r))
  process.exit(0)
}
`,
    )
    const log = path.join(root, 'probe.log')
    const r = spawnSync(process.execPath, [probe], { env: trapped(log), encoding: 'utf8', timeout: 60_000 })
    expect(r.status).toBe(0)
    const caught = entries(log).filter((e) => e.kind !== 'loaded')
    const seen = caught.map((e) => `${e.kind} ${e.target}`)
    for (const want of [
      'connect 192.0.2.7:443',
      'connect 198.51.100.1:80',
      'connect 203.0.113.9:80',
      'lookup example.net',
      'udp 198.51.100.3',
    ]) {
      expect(seen).toContain(want)
    }
    // Nothing else: not the loopback connection, not the UDP socket's bind to 0.0.0.0.
    for (const e of caught) expect(e.target).toMatch(/^(192\.0\.2\.7|198\.51\.100\.[13]|203\.0\.113\.9|example\.net)\b/)
    expect(new Set(caught.map((e) => e.pid)).size).toBe(2)
    expect(caught.some((e) => e.threadId > 0)).toBe(true)
  })
})

describe('studio with outbound connections trapped', () => {
  const proj = path.join(root, 'proj')
  const p = ['--project', proj]
  const cliPids: number[] = []
  const log = path.join(root, 'studio.log')
  const env = trapped(log)

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 12)
  })

  it('imports, trains one epoch, exports every format and serves without one outbound attempt', async () => {
    cliPids.push(run(['init', proj], env).pid)
    cliPids.push(run(['import', path.join(root, 'shapes'), ...p], env).pid)
    cliPids.push(run(['train', ...p, '--epochs', '1', '--input-size', '32', '--json'], env).pid)
    cliPids.push(run(['export', '1', path.join(root, 'exported'), '--format', 'all', ...p], env).pid)

    const child = spawn(process.execPath, [STUDIO_BIN, 'serve', ...p, '--json'], { env, stdio: 'pipe' })
    const line = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0]!)),
    )
    const { url, token } = JSON.parse(line) as { url: string; token: string }
    const origin = new URL(url).origin
    const call = (method: string, body?: unknown) =>
      fetch(`${origin}/api/call/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    expect((await call('stats')).status).toBe(200)
    const page = (await (await call('images', { limit: 2 })).json()) as { result: { items: { hash: string }[] } }
    const hash = page.result.items[0]!.hash
    expect((await fetch(`${origin}/media/thumb/${hash}?token=${token}`)).status).toBe(200)
    expect((await call('runs')).status).toBe(200)
    expect((await fetch(`${origin}/`)).status).toBeLessThan(600)
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/api/events?token=${token}`)
    await new Promise((resolve, reject) => (ws.on('open', resolve), ws.on('error', reject)))
    ws.close()
    child.kill('SIGTERM')
    await new Promise((r) => child.on('exit', r))
    cliPids.push(child.pid!)

    const seen = entries(log)
    expect(seen.filter((e) => e.kind !== 'loaded')).toEqual([])
    // The trap ran in every CLI process, in processes they forked (trainer, export self-test) and in
    // worker threads (data-parallel training, the export thread).
    const loadedPids = new Set(seen.filter((e) => e.kind === 'loaded').map((e) => e.pid))
    for (const pid of cliPids) expect(loadedPids).toContain(pid)
    expect([...loadedPids].filter((pid) => !cliPids.includes(pid)).length).toBeGreaterThanOrEqual(2)
    expect(seen.some((e) => e.kind === 'loaded' && e.threadId > 0)).toBe(true)
  }, 600_000)
})
