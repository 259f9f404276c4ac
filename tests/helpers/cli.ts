import { spawn, spawnSync, type SpawnOptions } from 'node:child_process'
import path from 'node:path'

export const STUDIO_BIN = path.resolve(import.meta.dirname, '../../bin/studio.mjs')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the real `studio` command in a child process. `prefix` runs it through another command,
 * e.g. setpriv to drop root's permission-bypass capabilities.
 */
export function studio(args: string[], opts: { cwd?: string; prefix?: string[] } = {}): CliResult {
  const argv = [...(opts.prefix ?? []), process.execPath, STUDIO_BIN, ...args]
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: opts.cwd, timeout: 120_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export function studioJson<T = Record<string, unknown>>(args: string[], opts: { cwd?: string } = {}): T {
  const r = studio([...args, '--json'], opts)
  if (r.code !== 0) throw new Error(`studio ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

export function studioSpawn(args: string[], opts: SpawnOptions = {}) {
  return spawn(process.execPath, [STUDIO_BIN, ...args], { stdio: 'pipe', ...opts })
}
