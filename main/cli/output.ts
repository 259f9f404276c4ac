import { CommanderError, type Command } from 'commander'
import { StudioError, errorMessage } from '../engine/errors'

/** Options every command takes. */
export interface CommonOptions {
  project: string
  json?: boolean
}

/** Adds `--project` and `--json` to a command. */
export function common(cmd: Command): Command {
  return cmd
    .option('-p, --project <dir>', 'project folder', process.cwd())
    .option('--json', 'print one machine-readable JSON object instead of text')
}

/** Writes the command's result: JSON on stdout with --json, else the text from `human`. */
export function emit<T>(opts: { json?: boolean }, value: T, human: (v: T) => string): void {
  process.stdout.write(opts.json ? JSON.stringify(value) + '\n' : human(value) + '\n')
}

export const EXIT = { ok: 0, error: 1, usage: 2, cancelled: 130 } as const

const guarded = new WeakSet<NodeJS.WriteStream>()

/**
 * A reader that went away (`studio errors | head -1`) ends the command quietly, as SIGPIPE ends
 * other tools: the output it wanted is out, and the write error is not the user's problem.
 */
export function quietOnClosedPipe(
  stream: NodeJS.WriteStream = process.stdout,
  exit: (code: number) => void = process.exit,
): void {
  if (guarded.has(stream)) return
  guarded.add(stream)
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    exit(EXIT.ok)
  })
}

/** Thrown by a command to end with a given exit code after it has printed its result. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/** Reports a failure as one line on stderr (and as JSON on stdout with --json); returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  if (err instanceof ExitCode) return err.code
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.usage
  const name = err instanceof StudioError ? err.name : err instanceof Error ? err.name : 'Error'
  const message = errorMessage(err).split('\n')[0]!
  if (json) process.stdout.write(JSON.stringify({ error: { name, message } }) + '\n')
  process.stderr.write(`studio: ${message}\n`)
  return EXIT.error
}

/** Right-pads a table for terminal output. */
export function table(rows: (string | number)[][]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)))
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
