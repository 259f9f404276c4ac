import { fork, type ChildProcess } from 'node:child_process'
import { entryOf, forkArgs } from '../entries'
import { judge, notChecked, type FormatName, type SelfTestCases, type SelfTestResult } from './self-test'
import type { FormatToTest, FromSelfTest, OnnxRuntimePackage, SelfTestJob, ToSelfTest } from './self-test-protocol'

export interface SelfTestOptions {
  signal?: AbortSignal
  /** Images classified so far for the format being tested. */
  onProgress?: (format: FormatName, done: number, total: number) => void
  /** The process's entry; default: self-test-worker.ts beside this file (tsx), or self-test-worker.js in a build. */
  entry?: string
  /** ONNX runtimes to try, in order (default: the process's own choice, see onnxRuntimeOrder). */
  onnxRuntimes?: OnnxRuntimePackage[]
}

/** Thrown when the self-test was cancelled through its signal. */
export class SelfTestCancelled extends Error {
  constructor() {
    super('the self-test was cancelled')
  }
}

/**
 * Runs the self-test of an export folder in a fresh process and judges each format against
 * Studio's stored predictions. Resolves with one result per format, in the order given; a process
 * that dies midway fails the formats it did not answer.
 */
export function runSelfTest(
  dir: string,
  formats: FormatToTest[],
  cases: SelfTestCases,
  opts: SelfTestOptions = {},
): Promise<Map<FormatName, SelfTestResult>> {
  const results = new Map<FormatName, SelfTestResult>()
  if (!formats.length) return Promise.resolve(results)
  if (opts.signal?.aborted) return Promise.reject(new SelfTestCancelled())
  const child = spawn(opts.entry ?? defaultEntry())
  return new Promise((resolve, reject) => {
    let ended = false
    // The last lines the process wrote to stderr explain a crash; its stdout (TF.js greetings) is dropped.
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)))
    const onAbort = () => child.kill()
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('message', (m: FromSelfTest) => {
      if (m.type === 'progress') opts.onProgress?.(m.format, m.done, m.total)
      else if (m.type === 'format') results.set(m.format, judge(m.format, cases, m))
      else ended = true
    })
    child.once('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort)
      if (opts.signal?.aborted) return reject(new SelfTestCancelled())
      const why = ended
        ? 'the self-test process did not report this format'
        : `the self-test process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})` +
          (stderr.trim() ? `: ${lastLine(stderr)}` : '')
      for (const f of formats) if (!results.has(f.format)) results.set(f.format, notChecked(f.format, cases.split, why))
      resolve(results)
    })
    const job: SelfTestJob = { dir, formats, files: cases.files, onnxRuntimes: opts.onnxRuntimes }
    child.send({ type: 'start', job } satisfies ToSelfTest)
  })
}

const lastLine = (text: string) => text.trim().split('\n').pop()!.slice(0, 300)

/**
 * A fresh Node process with an IPC channel. From source it runs the .ts entry through tsx, as the
 * trainer does. Inside Electron, fork starts Electron's own binary: ELECTRON_RUN_AS_NODE makes it
 * plain Node (Electron sets it for fork too; stated here so the child never opens a window).
 */
function spawn(entry: string): ChildProcess {
  return fork(entry, [], {
    execArgv: forkArgs(entry),
    env: process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : { ...process.env },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
}

/**
 * From source the process runs self-test-worker.ts (or the command's build of it, entries.ts); in a
 * build (electron-vite bundles this file into out/main/index.js) out/main/self-test-worker.js.
 */
const defaultEntry = (): string => entryOf('self-test-worker', import.meta.url)
