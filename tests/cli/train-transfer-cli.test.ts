import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { TRANSFER_DEFAULTS } from '../../main/engine/training/transfer-recipe'
import { studio, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'

// studio train's transfer recipe flags: listed in --help with their defaults, refused by name before
// anything is trained, recorded in the run's config (bundled MobileNet v1 0.25, no models folder needed).
describe('studio train transfer recipe flags', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const p = ['--project', proj, '--preset', 'transfer', '--backbone', 'mobilenet_v1_0.25_224']

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 4)
    studioJson(['init', proj])
    studioJson(['import', path.join(root, 'shapes'), '--project', proj])
  }, 60_000)

  it('--help lists them with their defaults', () => {
    const help = studio(['train', '--help']).stdout.replace(/\s+/g, ' ')
    const d = TRANSFER_DEFAULTS
    expect(help).toMatch(new RegExp(`--aug-copies <n> .*\\(default: ${d.featureAugment.copies}\\)`))
    expect(help).toMatch(new RegExp(`--aug-crop <fraction> .*\\(default: ${d.featureAugment.minCrop}\\)`))
    expect(help).toMatch(new RegExp(`--fine-tune <blocks> .*\\(default: ${d.fineTune.blocks}\\)`))
    expect(help).toMatch(
      new RegExp(`--heads <n> .*\\(default: ${d.heads} where fine-tuning is off, else 1; at most 10\\)`),
    )
    for (const flag of [
      '--aug-color <fraction>',
      '--aug-flip',
      '--no-aug-flip',
      '--fine-tune-epochs <n>',
      '--fine-tune-lr <rate>',
      '--class-scores <weight>',
    ])
      expect(help).toContain(flag)
  }, 60_000)

  it('refuses a bad value naming the field, before anything is trained', () => {
    const cases: [string[], RegExp][] = [
      [['--aug-copies', '17'], /featureAugment\.copies must be a whole number from 0 to 16 \(got 17\)/],
      [['--aug-crop', 'x'], /featureAugment\.minCrop must be a number from 0\.3 to 1 \(got NaN\)/],
      [['--fine-tune', '9'], /fineTune\.blocks must be a whole number from 0 to 8 \(got 9\)/],
      [['--fine-tune-lr', '1'], /fineTune\.learningRate must be a number above 0, at most 0\.01/],
      [['--class-scores', '-1'], /classScores must be a number from 0 \(off\) to 1000 \(got -1\)/],
      [['--class-scores', '30', '--fine-tune', '1'], /classScores and fineTune cannot both be on/],
      [['--heads', '0'], /heads must be a whole number from 1 to 10 \(got 0\)/],
      [['--heads', '2.5'], /heads must be a whole number from 1 to 10 \(got 2\.5\)/],
      [['--heads', '3', '--class-scores', '0', '--fine-tune', '1'], /heads and fineTune cannot both be on/],
    ]
    for (const [args, message] of cases) {
      const r = studio(['train', ...p, ...args])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
    }
    expect(studio(['train', '--project', proj, '--aug-copies', '2']).stderr).toMatch(
      /featureAugment: the seed-cnn preset has no cached features to augment/,
    )
    expect(studio(['train', '--project', proj, '--heads', '2']).stderr).toMatch(
      /heads: the seed-cnn preset trains no head on cached features/,
    )
    expect(studioJson<{ runs: unknown[] }>(['runs', '--project', proj]).runs).toEqual([])
  }, 300_000)

  it('a run records them in its config, the rest of each part the preset’s', () => {
    const r = studioJson<{ run: number; status: string }>([
      'train',
      ...p,
      '--epochs',
      '1',
      '--input-size',
      '224',
      '--aug-copies',
      '1',
      '--no-aug-flip',
      '--fine-tune',
      '1',
      '--fine-tune-epochs',
      '1',
      '--class-scores',
      '0',
    ])
    expect(r.status).toBe('done')
    const runs = studioJson<{ runs: { run: number; config: Record<string, unknown> }[] }>(['runs', '--project', proj])
    expect(runs.runs[0]!.config).toMatchObject({
      inputSize: 224,
      featureAugment: { ...TRANSFER_DEFAULTS.featureAugment, copies: 1, flip: false },
      fineTune: { ...TRANSFER_DEFAULTS.fineTune, blocks: 1, epochs: 1 },
      classScores: 0,
      // Fine-tuning trains one head.
      heads: 1,
    })
  }, 180_000)
})
