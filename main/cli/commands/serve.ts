import path from 'node:path'
import type { Command } from 'commander'
import { Studio } from '../../engine/studio'
import { startServer } from '../../server/server'
import { common, type CommonOptions } from '../output'
import { parseId } from './project'

export function registerServe(program: Command): void {
  common(program.command('serve'))
    .description('browser mode: serve the Studio page and its API on 127.0.0.1 with a random token (Ctrl-C stops)')
    .option('--port <n>', 'port (default: a free one)', parseId)
    .action(async (opts: CommonOptions & { port?: number }) => {
      const studio = Studio.open(opts.project)
      const rendererDir = path.resolve(import.meta.dirname, '../../../out/renderer')
      const server = await startServer(studio, { port: opts.port, rendererDir })
      process.stdout.write(opts.json ? JSON.stringify({ url: server.url, token: server.token }) + '\n' : `Studio at ${server.url}\n`)
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await server.close()
      studio.close()
    })
}
