import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { Studio } from '../../main/engine/studio'
import { SEED_CNN_RECIPE } from '../../main/engine/training/presets/seed-cnn'
import { tmpDir } from '../helpers/fixtures'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/** The Train form's Recipe group (under Advanced) in Chromium: defaults, a refusal by field, a run that records it. */
describe.skipIf(!haveChromium)('the Train form’s recipe', () => {
  const root = tmpDir()
  let studio: Studio
  let ui: StudioPage

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 8)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    ui = await openStudioPage(studio.root, path.join(root, 'recent.json'))
  }, 180_000)
  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  it('opens Advanced with the preset’s defaults, names a bad field, and a run records every option', async () => {
    const p = ui.page
    await p.goto(ui.server.url)
    await p.click('nav >> text=Train')
    const advanced = '[data-testid="train-advanced"]'
    await p.waitForSelector(advanced)
    expect(await p.getAttribute(advanced, 'open')).toBeNull() // closed until asked for
    await p.click(`${advanced} summary`)
    const recipe = '[data-testid="train-recipe"]'
    const field = (label: string) => `${recipe} label:has-text("${label}") input`
    expect(await p.inputValue(field('Dropout before'))).toBe('0')
    expect(await p.inputValue(field('Crop padding'))).toBe('0')
    expect(await p.isChecked(field('Mirror'))).toBe(false)
    // The seed CNN's measured defaults (presets/seed-cnn.ts): one-cycle with weight decay, the rest off.
    const schedule = `${recipe} label:has-text("Learning-rate schedule") select`
    expect(await p.inputValue(schedule)).toBe(SEED_CNN_RECIPE.schedule)
    // Zero-padded convolutions: Auto, naming the engine's pick at the input size (64 px: none; 28 px: the last 2).
    const padding = '[data-testid="same-padding"] select'
    const paddingHelp = '#same-padding-help'
    const autoLabel = () => p.$eval(`${padding} option[value="auto"]`, (o) => o.textContent?.trim())
    expect(await p.inputValue(padding)).toBe('auto')
    expect(await autoLabel()).toBe('Auto — by input size (0 now)')
    expect(await p.textContent(paddingHelp)).toMatch(/6×6 grid into the dense layer at 64 px$/)
    await p.fill('label:has-text("Input size") input', '28')
    expect(await autoLabel()).toBe('Auto — by input size (2 now)')
    expect(await p.textContent(paddingHelp)).toMatch(/3×3 grid into the dense layer at 28 px$/)
    await p.locator('[data-testid="same-padding"]').scrollIntoViewIfNeeded()
    await ui.shot('recipe-00-padding-auto-28')
    // Batch normalization, beside the padding: the preset's default (off), its help naming the measured gain.
    const batchNorm = '[data-testid="batch-norm"] input[type="checkbox"]'
    expect(await p.isChecked(batchNorm)).toBe(SEED_CNN_RECIPE.batchNorm ?? false)
    expect(await p.textContent('[data-testid="batch-norm"] label')).toMatch(/^\s*Batch normalization\s*$/)
    expect(await p.textContent('#batch-norm-help')).toMatch(/^after each pooling — not in the classic layers;/)
    expect(Number(await p.inputValue(field('Weight decay')))).toBe(SEED_CNN_RECIPE.weightDecay)
    // A value out of range is named next to its field and Start waits.
    await p.fill(field('Label smoothing'), '1.5')
    await p.waitForSelector('#problem-labelSmoothing')
    expect(await p.textContent('#problem-labelSmoothing')).toBe('Label smoothing must be from 0 to below 1, e.g. 0.1.')
    expect(await p.isDisabled('button:has-text("Start training")')).toBe(true)
    await ui.shot('recipe-01-train-advanced-problem')
    // The recipe for a short run.
    await p.fill('label:has-text("Epochs") input', '1')
    await p.fill('label:has-text("Input size") input', '32')
    // Auto would pad the last 1 at 32 px; the last 2 leave a 3×3 grid.
    expect(await autoLabel()).toBe('Auto — by input size (1 now)')
    await p.selectOption(padding, { label: 'Last 2' })
    expect(await p.textContent(paddingHelp)).toMatch(/3×3 grid into the dense layer at 32 px$/)
    await p.fill(field('Dropout before'), '0.25')
    await p.fill(field('Dropout after'), '0.5')
    await p.fill(field('Crop padding'), '2')
    await p.check(field('Mirror'))
    await p.check(batchNorm)
    await p.fill(field('Label smoothing'), '0.1')
    await p.selectOption(schedule, 'cosine')
    await p.fill(field('Warm-up epochs'), '0.5')
    await p.fill(field('Weight decay'), '0.05')
    expect(await p.isEnabled('button:has-text("Start training")')).toBe(true)
    await ui.shot('recipe-02-train-advanced')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'dark' })
    expect(await axeProblems(p)).toEqual([])
    await ui.shot('recipe-03-train-advanced-dark')
    await p.emulateMedia({ colorScheme: 'light' })
    await p.click('button:has-text("Start training")')
    await p.waitForFunction(
      () => /Run \d+: done/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
      null,
      { timeout: 120_000 },
    )
    const run = studio.store.runs.list()[0]!
    expect(JSON.parse(run.config)).toMatchObject({
      epochs: 1,
      inputSize: 32,
      samePadding: 2,
      batchNorm: true,
      dropout: { beforeDense: 0.25, afterDense: 0.5 },
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 0.5,
      weightDecay: 0.05,
      augment: { flip: true, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 2 },
    })
    // A second run with the preset's defaults (choosing the preset again resets the form): Auto sends no
    // padding and the engine picks the last 1 at 32 px; then both compared.
    await p.selectOption('.form select >> nth=0', 'seed-cnn')
    await p.fill('label:has-text("Epochs") input', '1')
    await p.fill('label:has-text("Input size") input', '32')
    await p.click('button:has-text("Start training")')
    await p.waitForFunction(
      () => /Run 2: done/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
      null,
      { timeout: 120_000 },
    )
    expect(await p.inputValue(padding)).toBe('auto')
    expect(await p.isChecked(batchNorm)).toBe(false)
    expect(JSON.parse(studio.store.runs.list()[1]!.config)).toMatchObject({
      inputSize: 32,
      samePadding: 1,
      batchNorm: false,
    })
    await p.click('nav >> text=Experiments')
    await p.check('input[aria-label="Compare run 1"]')
    await p.check('input[aria-label="Compare run 2"]')
    await p.waitForSelector('[data-testid="compare"]')
    const rows = await p.$$eval('[data-testid="compare"] tr.differs', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.replace(' ●', '').trim())),
    )
    expect(rows).toEqual(
      expect.arrayContaining([
        ['Augmentation', 'flip, crop padding 2 px', 'off'],
        ['Dropout', '0.25 before the dense layer, 0.5 after', 'off'],
        ['Label smoothing', '0.1', 'off'],
        ['Learning-rate schedule', 'cosine', 'onecycle'],
        ['Warm-up', '0.5 epochs', 'none'],
        ['Zero-padded convolutions', 'last 2', 'last 1'],
        ['Batch normalization', 'on', 'off'],
      ]),
    )
    await p.locator('[data-testid="compare"] table.side').scrollIntoViewIfNeeded()
    await ui.shot('recipe-04-runs-compare')
  }, 300_000)
})
