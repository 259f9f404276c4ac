import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { studio, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'

// studio train --auto on a tiny generated project: the plan is printed before training, the run
// trains as planned and records every choice with its reason in its config; a flag given as well
// wins; a bad budget is refused before anything is trained. No backbone is installed here (both
// folders empty), so Auto must pick the seed CNN and say why.
describe('studio train --auto', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const p = ['--project', proj]
  const saved = { user: process.env.STUDIO_MODELS_DIR, bundled: process.env.STUDIO_BUNDLED_MODELS_DIR }

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, 'none'))
    process.env.STUDIO_MODELS_DIR = path.join(root, 'none')
    process.env.STUDIO_BUNDLED_MODELS_DIR = path.join(root, 'none')
    await writeShapes(path.join(root, 'shapes'), 8)
    studioJson(['init', proj])
    studioJson(['import', path.join(root, 'shapes'), ...p])
  }, 60_000)

  afterAll(() => {
    for (const [k, v] of [
      ['STUDIO_MODELS_DIR', saved.user],
      ['STUDIO_BUNDLED_MODELS_DIR', saved.bundled],
    ] as const)
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  })

  type Choice = { what: string; value: string; why: string }
  const configOf = (run: number) =>
    studioJson<{ runs: { run: number; config: Record<string, unknown> }[] }>(['runs', ...p]).runs.find(
      (r) => r.run === run,
    )!.config as {
      preset: string
      epochs: number
      inputSize: number
      auto: { budgetSeconds: number; estimateSeconds: number; choices: Choice[] } | null
    }

  it('prints its choices, trains them and records them on the run', () => {
    const r = studio(['train', ...p, '--auto', '--budget', '1s', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { run: number; status: string }
    expect(out.status).toBe('done')
    expect(r.stderr).toMatch(/^Auto \(budget 1 s, estimated \d+ s\):/m)
    expect(r.stderr).toContain('preset: seed-cnn — no usable backbone is installed')
    const cfg = configOf(out.run)
    expect(cfg.preset).toBe('seed-cnn')
    expect(cfg.auto!.budgetSeconds).toBe(1)
    const whats = cfg.auto!.choices.map((c) => c.what)
    expect(whats).toEqual(
      expect.arrayContaining(['preset', 'input size', 'epochs', 'recipe', 'test-time augmentation']),
    )
    const epochs = cfg.auto!.choices.find((c) => c.what === 'epochs')!
    expect(Number(epochs.value)).toBe(cfg.epochs)
    expect(r.stderr).toContain(`epochs: ${cfg.epochs} — `)
    const size = cfg.auto!.choices.find((c) => c.what === 'input size')!
    expect(size.value).toBe(`${cfg.inputSize} px`)
  }, 120_000)

  it('a flag given as well wins over the plan, and the plan says it was kept', () => {
    const r = studio(['train', ...p, '--auto', '--budget', '1m', '--epochs', '1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('given on the command line, kept: epochs')
    const cfg = configOf((JSON.parse(r.stdout) as { run: number }).run)
    expect(cfg.epochs).toBe(1)
    expect(cfg.auto!.budgetSeconds).toBe(60)
  }, 120_000)

  it('refuses a budget that is no duration, and --budget without --auto, before training', () => {
    const before = studioJson<{ runs: unknown[] }>(['runs', ...p]).runs.length
    const bad = studio(['train', ...p, '--auto', '--budget', 'soon'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('--budget must be a duration')
    const alone = studio(['train', ...p, '--budget', '2m'])
    expect(alone.code).not.toBe(0)
    expect(alone.stderr).toContain('--budget needs --auto')
    expect(studioJson<{ runs: unknown[] }>(['runs', ...p]).runs.length).toBe(before)
  }, 180_000)

  it('--help describes --auto, --budget, --tta and --calibration', () => {
    const help = studio(['train', '--help']).stdout.replace(/\s+/g, ' ')
    for (const flag of ['--auto', '--budget <time>', '--tta <mode>', '--calibration <mode>'])
      expect(help).toContain(flag)
  })
})
