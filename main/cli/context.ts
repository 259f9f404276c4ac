import type { Studio } from '../engine/studio'
import type { CommonOptions } from './output'

/**
 * Opens the project named by `--project`, runs `fn`, and always closes it. The engine loads here,
 * on first use, not when the CLI starts: `studio --help` never opens SQLite or sharp.
 */
export async function withStudio<T>(opts: CommonOptions, fn: (studio: Studio) => T | Promise<T>): Promise<T> {
  const { Studio } = await import('../engine/studio')
  const studio = Studio.open(opts.project)
  try {
    return await fn(studio)
  } finally {
    studio.close()
  }
}
