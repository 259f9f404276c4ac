// The `studio` command's entry: runs it with this process's arguments (bin/studio.mjs loads this file
// from source through tsx, or its build, out/cli/studio.js, made by scripts/build-cli.mjs).
import { main } from './index'

process.exitCode = await main(process.argv)
