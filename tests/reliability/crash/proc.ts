import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Processes for the crash trials: the real `studio` command in its own process group (so a trial can
 * kill the command alone, one of its children, or the whole group as a power cut would), and the
 * helpers that find a command's children and wait for processes to go.
 */

export const REPO = path.resolve(import.meta.dirname, '../../..')
export const STUDIO_BIN = path.join(REPO, 'bin/studio.mjs')

export interface Done {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Proc {
  child: ChildProcess
  pid: number
  /** Resolves when the process has exited (also after a kill). */
  done: Promise<Done>
}

/** Starts `node <script> ...args` (tsx for a .ts script) in a new process group. */
export function start(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const pre = script.endsWith('.ts') ? ['--import', 'tsx'] : []
  const child = spawn(process.execPath, [...pre, script, ...args], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<Done>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, pid: child.pid!, done }
}

/** Starts the real `studio` command. */
export function studio(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return start(STUDIO_BIN, args, env)
}

/** Runs `studio` to the end (killed after `timeoutMs`, then answered as signal SIGKILL). */
export async function runStudio(args: string[], timeoutMs = 180_000): Promise<Done> {
  const p = studio(args)
  const timer = setTimeout(() => killGroup(p.pid), timeoutMs)
  const d = await p.done
  clearTimeout(timer)
  await waitGone(groupMembers(p.pid), 10_000)
  return d
}

/** Runs `studio … --json` and parses its output; throws with stderr when it fails. */
export async function studioJson<T>(args: string[], timeoutMs?: number): Promise<T> {
  const d = await runStudio([...args, '--json'], timeoutMs)
  if (d.code !== 0) throw new Error(`studio ${args.join(' ')} exited ${d.code ?? d.signal}: ${d.stderr.trim()}`)
  return JSON.parse(d.stdout) as T
}

export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Direct children of `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
    return text ? text.split(/\s+/).map(Number) : []
  } catch {
    return []
  }
}

/** Every live process of process group `pgid` (field 5 of /proc/<pid>/stat). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name))
    } catch {
      // exited meanwhile
    }
  }
  return out
}

export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Waits until none of `pids` is alive; false when some still are after `ms`. */
export async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (pids.some(alive)) {
    if (Date.now() > until) return false
    await sleep(50)
  }
  return true
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
