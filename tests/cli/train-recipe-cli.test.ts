import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { SEED_CNN_BATCH, SEED_CNN_RECIPE } from '../../main/engine/training/presets/seed-cnn'
import { studio, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'

// studio train's recipe flags: listed in --help with their defaults, refused by name before
// anything is trained, and recorded in the run's config.
describe('studio train recipe flags', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const p = ['--project', proj]

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 6)
    studioJson(['init', proj])
    studioJson(['import', path.join(root, 'shapes'), ...p])
  }, 60_000)

  it('--help lists every recipe flag with its default', () => {
    const help = studio(['train', '--help']).stdout.replace(/\s+/g, ' ')
    for (const flag of [
      '--dropout <rate[,rate]>',
      '--label-smoothing <eps>',
      '--schedule <name>',
      '--warmup-epochs <n>',
      '--weight-decay <wd>',
      '--same-padding <n>',
      '--crop-pad <px>',
      '--flip',
      '--no-flip',
    ])
      expect(help).toContain(flag)
    expect(help).toMatch(/--schedule <name> .*\(choices: "constant", "cosine", "onecycle"\)/)
    // Defaults per preset where they differ: the seed CNN's measured recipe, the transfer preset's off.
    expect(help).toContain(`(default: seed-cnn ${SEED_CNN_RECIPE.weightDecay}, transfer 0)`)
    expect(help).toMatch(/--label-smoothing <eps> .*\(default: 0\)/)
    expect(help).toMatch(/--same-padding <n> .*: 2 at 28 px, 1 at 32, 0 from 38\)/)
    expect(help).toContain(`(default: seed-cnn ${SEED_CNN_BATCH}, transfer 32)`)
  }, 60_000)

  it('refuses a bad value naming the field, before anything is trained', () => {
    const cases: [string[], RegExp][] = [
      [['--label-smoothing', '2'], /labelSmoothing must be a number from 0 to below 1 \(got 2\)/],
      [['--dropout', '0.1,x'], /--dropout must be a rate or two rates/],
      [['--dropout', '1'], /dropout\.beforeDense must be/],
      [['--crop-pad', '2.5'], /augment\.cropPad must be a whole number/],
      [['--epochs', '2', '--warmup-epochs', '3'], /warmupEpochs must be a number from 0 to 2 \(got 3\)/],
      [['--weight-decay', '-1'], /weightDecay must be a number from 0 to 1/],
      [['--preset', 'transfer', '--dropout', '0.2'], /dropout: the transfer preset has no dropout/],
      [['--same-padding', '4'], /samePadding must be a whole number from 0 to 3 \(got 4\)/],
      [['--same-padding', '1.5'], /samePadding must be a whole number from 0 to 3 \(got NaN\)/],
      [['--preset', 'transfer', '--same-padding', '1'], /samePadding: the transfer preset has no convolutions/],
      [['--preset', 'transfer', '--batch-norm'], /batchNorm: the transfer preset has no convolutions of its own/],
    ]
    for (const [args, message] of cases) {
      const r = studio(['train', ...p, ...args])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
    }
    expect(studio(['train', ...p, '--schedule', 'linear']).stderr).toMatch(/Allowed choices are constant, cosine/)
    expect(studioJson<{ runs: unknown[] }>(['runs', ...p]).runs).toEqual([])
  }, 300_000)

  it('a run records the flags in its config', () => {
    const r = studioJson<{ run: number; status: string }>([
      'train',
      ...p,
      '--epochs',
      '1',
      '--input-size',
      '32',
      '--dropout',
      '0.2,0.3',
      '--label-smoothing',
      '0.05',
      '--schedule',
      'onecycle',
      '--warmup-epochs',
      '0.5',
      '--weight-decay',
      '0.01',
      '--crop-pad',
      '2',
      '--no-flip',
      '--same-padding',
      '3',
      '--batch-norm',
    ])
    expect(r.status).toBe('done')
    const runs = studioJson<{ runs: { run: number; config: Record<string, unknown> }[] }>(['runs', ...p])
    expect(runs.runs[0]!.config).toMatchObject({
      dropout: { beforeDense: 0.2, afterDense: 0.3 },
      labelSmoothing: 0.05,
      schedule: 'onecycle',
      warmupEpochs: 0.5,
      weightDecay: 0.01,
      samePadding: 3,
      batchNorm: true,
      augment: { flip: false, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 2 },
    })
  }, 120_000)
})
