import type { Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import type { Studio } from '../../engine/studio'
import { parseBudget, type AutoPlan } from '../../engine/training/auto'
import { autoConfig, autoPlanFor } from '../../engine/training/auto-facts'
import type { TrainConfig } from '../../engine/training/config'
import { TTA_MODES, CALIBRATION_MODES } from '../../engine/evaluation/calibration'

/**
 * `studio train --auto [--budget 2m]` ("Train the best model", engine: training/auto.ts) and the
 * options for what happens after training (test-time augmentation, temperature scaling).
 */
export interface AutoCliOptions {
  auto?: boolean
  budget?: string
  tta?: string
  calibration?: string
}

/** Auto's default budget when --budget is not given, seconds. */
export const DEFAULT_BUDGET_SECONDS = 300

export function addAutoOptions(cmd: Command): void {
  cmd
    .option(
      '--auto',
      'train the best model for the data and the budget: Auto picks preset, backbone, input size, recipe and epochs, ' +
        'prints each choice with its reason before training and records them on the run; flags given as well win',
    )
    .option('--budget <time>', 'time for the whole --auto run, e.g. 90s, 2m, 1h (default 5m)')
    .option(
      '--tta <mode>',
      'test-time augmentation, the mean with the mirror image: auto (on when it helps on val) | on | off (default auto)',
    )
    .option(
      '--calibration <mode>',
      'temperature scaling fitted on val: auto (when it lowers val log loss and ECE) | on | off (default auto)',
    )
}

/** --tta / --calibration as config fields; a value that is not a mode is refused naming the flag. */
export function afterTrainingFrom(o: AutoCliOptions): Partial<TrainConfig> {
  const c: Partial<TrainConfig> = {}
  if (o.tta !== undefined) {
    if (!(TTA_MODES as readonly string[]).includes(o.tta))
      throw new ValidationError(`--tta must be ${TTA_MODES.join(', ')} (got ${JSON.stringify(o.tta)})`)
    c.tta = o.tta as TrainConfig['tta']
  }
  if (o.calibration !== undefined) {
    if (!(CALIBRATION_MODES as readonly string[]).includes(o.calibration))
      throw new ValidationError(
        `--calibration must be ${CALIBRATION_MODES.join(', ')} (got ${JSON.stringify(o.calibration)})`,
      )
    c.calibration = o.calibration as TrainConfig['calibration']
  }
  return c
}

/**
 * The config of an --auto run: Auto's plan, then the flags the user gave (not commander's
 * defaults), with the plan printed to stderr first. Without --auto, `explicit` as it is.
 */
export function withAuto(
  studio: Studio,
  o: AutoCliOptions & { modelsDir?: string },
  explicit: Partial<TrainConfig>,
  givenByUser: (key: keyof TrainConfig) => boolean,
  write: (text: string) => void = (t) => process.stderr.write(t),
): Partial<TrainConfig> {
  if (!o.auto) {
    if (o.budget !== undefined) throw new ValidationError('--budget needs --auto')
    return explicit
  }
  const budget = o.budget === undefined ? DEFAULT_BUDGET_SECONDS : parseBudget(o.budget)
  if (budget === null)
    throw new ValidationError(`--budget must be a duration such as 90s, 2m or 1h (got ${JSON.stringify(o.budget)})`)
  const plan = autoPlanFor(studio, budget, { modelsDir: o.modelsDir ?? null })
  const kept = Object.fromEntries(
    Object.entries(explicit).filter(([k]) => givenByUser(k as keyof TrainConfig)),
  ) as Partial<TrainConfig>
  write(describePlan(plan, Object.keys(kept)))
  return autoConfig(plan, kept)
}

/** The plan as the CLI prints it: one line per choice, then the flags that override it. */
export function describePlan(plan: AutoPlan, overridden: string[] = []): string {
  const lines = [`Auto (budget ${Math.round(plan.budgetSeconds)} s, estimated ${Math.round(plan.estimateSeconds)} s):`]
  for (const c of plan.choices) lines.push(`  ${c.what}: ${c.value} — ${c.why}`)
  if (overridden.length) lines.push(`  given on the command line, kept: ${overridden.join(', ')}`)
  return lines.join('\n') + '\n'
}

/** The flags that set a config field where their names differ (the others share the field's name). */
const FLAGS_OF: Partial<Record<keyof TrainConfig, string[]>> = {
  learningRate: ['lr'],
  fractions: ['split'],
  augment: ['augment', 'cropPad', 'flip'],
}

/** Whether the user gave the flag(s) of a config field (commander's defaults do not count). */
export function givenOn(cmd: Command): (key: keyof TrainConfig) => boolean {
  return (key) =>
    (FLAGS_OF[key] ?? [key]).some((flag) => {
      const source = cmd.getOptionValueSource(flag)
      return source !== undefined && source !== 'default'
    })
}
