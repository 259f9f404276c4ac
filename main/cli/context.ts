import { Studio } from '../engine/studio'
import type { CommonOptions } from './output'

/** Opens the project named by `--project`, runs `fn`, and always closes it. */
export async function withStudio<T>(opts: CommonOptions, fn: (studio: Studio) => T | Promise<T>): Promise<T> {
  const studio = Studio.open(opts.project)
  try {
    return await fn(studio)
  } finally {
    studio.close()
  }
}
