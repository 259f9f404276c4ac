import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { Studio } from '../../main/engine/studio'
import type { AutoRecord } from '../../main/engine/training/auto-facts'
import { tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/**
 * "Train the best model" in the Train view (the plan with its reasons before anything starts, then a
 * run that records it) and Evaluate's figures with and without test-time augmentation and temperature.
 */
describe.skipIf(!haveChromium)('Auto and calibration in the page', () => {
  const root = tmpDir()
  let studio: Studio
  let ui: StudioPage

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 8)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    await trainInProcess(studio, {
      epochs: 2,
      inputSize: 32,
      batchSize: 16,
      patience: null,
      workers: 1,
      tta: 'on',
      calibration: 'on',
    })
    ui = await openStudioPage(studio.root, path.join(root, 'recent.json'))
  }, 240_000)
  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  it('Evaluate shows accuracy, log loss and ECE plain, with the mirror and with the temperature, and why', async () => {
    const p = ui.page
    await p.goto(ui.server.url)
    await p.click('nav >> text=Evaluate')
    const panel = '[data-testid="calibration"]'
    await p.waitForSelector(panel)
    const rows = await p.$$eval(`${panel} tbody tr`, (trs) => trs.map((tr) => tr.textContent ?? ''))
    expect(rows[0]).toContain('plain')
    expect(rows[1]).toContain('mirror image')
    expect(rows[2]).toMatch(/temperature T = \d/)
    // The run asked for both: the last row is how the model predicts.
    expect(await p.getAttribute(`${panel} tbody tr:last-child`, 'aria-current')).toBe('true')
    const text = (await p.textContent(panel)) ?? ''
    expect(text).toContain('Test-time augmentation (on): on')
    expect(text).toContain('Temperature scaling (on): T =')
    await p.locator(panel).scrollIntoViewIfNeeded()
    await ui.shot('auto-01-evaluate-calibration')
    expect(await axeProblems(p)).toEqual([])
  }, 120_000)

  it('Train shows Auto’s choices with reasons for the budget chosen, and starts a run that records them', async () => {
    const p = ui.page
    await p.click('nav >> text=Train')
    const auto = '[data-testid="train-auto"]'
    await p.waitForSelector(`${auto} [data-testid="auto-choices"]`)
    const choices = (await p.textContent(`${auto} [data-testid="auto-choices"]`)) ?? ''
    for (const what of ['preset', 'epochs', 'recipe', 'test-time augmentation']) expect(choices).toContain(what)
    await p.selectOption('[data-testid="auto-budget"]', '60')
    await p.waitForFunction(() =>
      /of 1 min 0 s/.test(document.querySelector('[data-testid="auto-headline"]')?.textContent ?? ''),
    )
    await ui.shot('auto-02-train-auto')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'dark' })
    expect(await axeProblems(p)).toEqual([])
    await ui.shot('auto-03-train-auto-dark')
    await p.emulateMedia({ colorScheme: 'light' })
    const before = studio.store.runs.list().length
    await p.click('[data-testid="auto-start"]')
    await p.waitForFunction(() =>
      /Run \d+:/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
    )
    await p.click('button:has-text("Cancel")')
    await p.click('button:has-text("Stop the run")')
    await p.waitForFunction(
      () =>
        /Run \d+: (cancelled|done|failed)/.test(
          document.querySelector('[data-testid="train-status"]')?.textContent ?? '',
        ),
      null,
      { timeout: 120_000 },
    )
    const configs = studio.store.runs.list().map((r) => JSON.parse(r.config) as { auto: AutoRecord | null })
    expect(configs.length).toBe(before + 1)
    const recorded = configs.find((c) => c.auto)
    expect(recorded?.auto?.budgetSeconds).toBe(60)
    expect(recorded?.auto?.choices.map((c) => c.what)).toContain('preset')
  }, 180_000)
})
