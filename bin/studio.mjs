#!/usr/bin/env node
// The `studio` command. The engine is TypeScript: straight after `npm install` tsx compiles it on the
// fly, with no build step. Where the command's build (out/cli: `npm run build`, scripts/build-cli.mjs)
// exists and was made from the sources as they are now, the command runs that instead: it starts in
// about a third of the time (no compiling, one file per module group instead of ≈ 250).
// STUDIO_CLI=source runs the sources whatever is built.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { runnableBuild } from './fresh-build.mjs'

const built = runnableBuild(path.resolve(import.meta.dirname, '..'))
if (built) {
  await import(pathToFileURL(built).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../main/cli/run.ts')
}
