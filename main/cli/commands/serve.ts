import path from 'node:path'
import type { Command } from 'commander'
import fs from 'node:fs'
import { common, type CommonOptions } from '../output'
import { STUDIO_ROOT } from '../../engine/version'
import { parseId } from './project'

export function registerServe(program: Command): void {
  common(program.command('serve'))
    .description(
      'browser mode: serve the Studio page and its API on 127.0.0.1 with a random token (Ctrl-C stops); ' +
        'without --project and outside a project, the page opens in Projects',
    )
    .option('--port <n>', 'port (default: a free one)', parseId)
    .action(async (opts: CommonOptions & { port?: number }, cmd: Command) => {
      // An explicit --project must open; the default (the current folder) opens only if it is a
      // project, else the page starts in Projects (open, create, recent).
      const explicit = cmd.getOptionValueSource('project') !== 'default'
      const dir = explicit || fs.existsSync(path.join(opts.project, 'studio.db')) ? opts.project : null
      const rendererDir = path.join(STUDIO_ROOT, 'out', 'renderer')
      const { serveProject } = await import('../../server/server')
      const server = await serveProject(dir, { port: opts.port, rendererDir })
      process.stdout.write(
        opts.json ? JSON.stringify({ url: server.url, token: server.token }) + '\n' : `Studio at ${server.url}\n`,
      )
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await server.close()
    })
}
