import type { Command } from 'commander'
import { runScores } from '../../engine/evaluation/report'
import type { RunRecord } from '../../engine/store'
import type { Studio } from '../../engine/studio'
import { completeOnUse } from '../lazy'
import { common } from '../output'

/**
 * `studio train`: its name and description here; its options, whose defaults come from the presets
 * (which load TF.js), and its action in train-options.ts, loaded when train is used or its help shown.
 */
export function registerTrain(program: Command): void {
  const cmd = common(program.command('train'))
  cmd.description(
    'train a classifier on the labeled images (a dataset version is frozen first); Ctrl-C cancels, --resume continues',
  )
  completeOnUse(cmd, async () => (await import('./train-options')).addTrainOptions(cmd))
}

/** The `--json` result of a run: {"run", "status", "backend", "val_accuracy", "test_accuracy", "macro_f1"}. */
export function trainResult(studio: Studio, run: RunRecord) {
  const scores = runScores(studio, run)
  return {
    run: run.id,
    status: run.status,
    backend: run.backend,
    val_accuracy: scores.valAccuracy,
    test_accuracy: scores.testAccuracy,
    macro_f1: scores.macroF1,
  }
}
