import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { runnableBuild } from '../../bin/fresh-build.mjs'
import { STUDIO_ROOT } from './version'

/**
 * The file that starts the engine's process or thread `name` (one of scripts/thread-entries.mjs),
 * asked by the module at `moduleUrl` that starts it:
 * - in a build (out/main: the app; out/cli: the command) `<name>.js` beside that module, an entry of
 *   the same bundle;
 * - from source, the command's build of it (out/cli/<name>.js) where that build was made from the
 *   sources as they are (bin/fresh-build.mjs): it starts without tsx compiling its modules, ≈ 0.5 s
 *   sooner for a training process; else `<name>.ts` beside the module, run through tsx.
 *   STUDIO_CLI=source always takes the sources.
 */
export function entryOf(name: string, moduleUrl: string): string {
  const here = fileURLToPath(moduleUrl)
  if (!here.endsWith('.ts')) return path.join(path.dirname(here), `${name}.js`)
  const built = runnableBuild(STUDIO_ROOT)
  return built ? path.join(path.dirname(built), `${name}.js`) : path.join(path.dirname(here), `${name}.ts`)
}

/** Whether an entry is TypeScript (it runs through tsx). */
export const fromSource = (entry: string): boolean => entry.endsWith('.ts')

/** A worker thread on `entry`; a .ts entry loads through tsx's ESM hooks. */
export function startThread(entry: string, options: WorkerOptions = {}): Worker {
  if (!fromSource(entry)) return new Worker(entry, options)
  const api = import.meta.resolve('tsx/esm/api')
  const url = JSON.stringify(pathToFileURL(entry).href)
  const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${url}) })`
  return new Worker(code, { ...options, eval: true })
}

/** `node` arguments for a forked process on `entry` (tsx's loader for a .ts entry). */
export function forkArgs(entry: string): string[] {
  return fromSource(entry) ? ['--import', import.meta.resolve('tsx')] : []
}
