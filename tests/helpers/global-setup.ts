import { buildCli } from '../../scripts/build-cli.mjs'

/**
 * Once per test run, before any file: builds the `studio` command (out/cli) from the sources as
 * they are, unless the build there already matches them, so the many tests that run the real command
 * (and the processes the engine starts, entries.ts) start in ≈ 0.1 s instead of ≈ 0.4 s of tsx
 * compiling (bin/studio.mjs runs the build only while it matches the sources).
 */
export default async function setup(): Promise<void> {
  await buildCli()
}
