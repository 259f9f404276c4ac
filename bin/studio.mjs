#!/usr/bin/env node
// The `studio` command. The engine is TypeScript; tsx compiles it on the fly so the command
// works straight after `npm install`, with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../main/cli/index.ts')
process.exitCode = await main(process.argv)
