import { Command } from 'commander'
import { STUDIO_VERSION } from '../engine/version'
import { registerAttributes } from './commands/attributes'
import { registerDemo } from './commands/demo'
import { registerExplain } from './commands/explain'
import { registerExportData } from './commands/export-data'
import { registerHealth } from './commands/health'
import { registerImport } from './commands/import'
import { registerLabels } from './commands/labels'
import { registerMaintenance } from './commands/maintenance'
import { registerProject } from './commands/project'
import { registerQuality } from './commands/quality'
import { registerRuns } from './commands/runs'
import { registerServe } from './commands/serve'
import { registerSettings } from './commands/settings'
import { registerTrain } from './commands/train'
import { completeFor } from './lazy'
import { quietOnClosedPipe, reportError } from './output'

/**
 * Every command with its name, description and options. The modules each registers stay light: an
 * action loads the engine parts it needs when it runs (TF.js, sharp, SQLite are not loaded by
 * `studio --help` or `studio label set`), and train's options, which the presets describe, are added
 * by `completeFor` when train is used (lazy.ts).
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('studio')
    .description('Studio: import, label and train image classifiers on your own machine, offline.')
    .version(STUDIO_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // Options after a subcommand belong to it (`classes delete x --project p`), not to its parent.
    .enablePositionalOptions()
  registerProject(program)
  registerImport(program)
  registerLabels(program)
  registerTrain(program)
  registerRuns(program)
  registerExportData(program)
  registerExplain(program)
  registerQuality(program)
  registerHealth(program)
  registerAttributes(program)
  registerSettings(program)
  registerMaintenance(program)
  registerDemo(program)
  registerServe(program)
  return program
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe()
  const program = buildProgram()
  try {
    await completeFor(program, argv)
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    return reportError(err, argv.includes('--json'))
  }
}
