/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

// Export a model from the page: the job's progress with Cancel, then each format's self-test (a failed
// one in red), the files, and the model card re-rendered with the results.

describe.skipIf(!haveChromium)('Export a model (Chromium against browser mode)', () => {
  const root = tmpDir()
  let studio: Studio
  let ui: StudioPage
  let runId = 0
  const page = () => ui.page

  beforeAll(async () => {
    await makeImages(path.join(root, 'src', 'red'), 10, 0, 40, 30)
    await makeImages(path.join(root, 'src', 'blue'), 10, 100, 30, 40)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'src'))
    runId = await trainInProcess(studio, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
    ui = await openStudioPage(path.join(root, 'proj'), path.join(root, 'recent.json'))
    await page().goto(ui.server.url)
    await page().click('nav >> text=Export')
    await page().waitForSelector('select[aria-label="Run"]')
  }, 180_000)
  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  async function exportTo(dir: string, format: string) {
    await page().fill('input[aria-label="Destination folder"]', dir)
    await page().selectOption('select[aria-label="Model format"]', format)
    await page().click('form button[type="submit"]')
  }

  it('shows progress with Cancel, then every format passed, the files and the card with the self-test', async () => {
    const dir = path.join(root, 'exported')
    await exportTo(dir, 'all')
    await page().waitForSelector('[data-testid="job-export"] progress', { timeout: 30_000 })
    expect(await page().isVisible('[data-testid="job-export"] button:has-text("Cancel")')).toBe(true)
    await ui.shot('export-01-progress')
    await page().waitForSelector('[data-testid="export-formats"]', { timeout: 120_000 })
    const rows = await page().$$eval('[data-testid="export-formats"] tbody tr', (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-format'),
        tr.className,
        tr.querySelector('.verdict')?.textContent?.trim(),
      ]),
    )
    expect(rows.map((r) => r[0])).toEqual(['tfjs', 'tm', 'onnx'])
    for (const r of rows) expect(r[1], String(r[0])).toBe('passed')
    expect(await page().textContent('[data-testid="export-result"]')).toContain(dir)
    expect(await page().isVisible('[data-testid="export-failed"]')).toBe(false)
    expect(await page().textContent('[data-testid="model-card"]')).toContain('Exported formats and self-test')
    expect(fs.existsSync(path.join(dir, 'export.json'))).toBe(true)
    expect(await axeProblems(page())).toEqual([])
    await ui.shot('export-02-passed')
    await page().locator('[data-testid="model-card"] h2:has-text("Exported formats")').scrollIntoViewIfNeeded()
    await ui.shot('export-02b-card-self-test')
  }, 180_000)

  it('flags a format that disagrees with Studio in red, with why, on the page and in the card', async () => {
    // Studio's stored probabilities reversed: the exported model now disagrees with every one.
    const preds = studio.store.runs.predictions(runId)
    studio.store.runs.replacePredictions(
      runId,
      preds.map((p) => ({ ...p, probs: Float32Array.from(p.probs).reverse() })),
    )
    try {
      await exportTo(path.join(root, 'failing'), 'onnx')
      await page().waitForSelector('[data-testid="export-failed"]', { timeout: 120_000 })
      expect(await page().textContent('[data-testid="export-failed"]')).toContain('Self-test FAILED for onnx')
      const row = page().locator('[data-testid="export-formats"] tr[data-format="onnx"]')
      expect(await row.getAttribute('class')).toBe('failed')
      expect(await row.locator('.verdict').textContent()).toMatch(/FAILED\s*agreement 0\.0 % is below 100 %/)
      const color = await row.locator('.verdict').evaluate((el) => getComputedStyle(el).color)
      const bad = await page().evaluate(() => getComputedStyle(document.body).getPropertyValue('--bad').trim())
      expect(color).toBe(rgb(bad))
      expect(await page().textContent('[data-testid="model-card"]')).toContain('Self-test FAILED for onnx')
      expect(await axeProblems(page())).toEqual([])
      await ui.shot('export-03-failed')
      await page().emulateMedia({ colorScheme: 'dark' })
      expect(await axeProblems(page())).toEqual([])
      await ui.shot('export-03b-failed-dark')
      await page().emulateMedia({ colorScheme: 'light' })
    } finally {
      studio.store.runs.replacePredictions(runId, preds)
    }
  }, 180_000)

  it('Cancel stops the export and leaves no folder', async () => {
    const dir = path.join(root, 'cancelled')
    await exportTo(dir, 'all')
    await page().click('[data-testid="job-export"] button:has-text("Cancel")', { timeout: 30_000 })
    await page().waitForSelector('[data-testid="job-export"] >> text=Export cancelled.', { timeout: 120_000 })
    expect(fs.existsSync(dir)).toBe(false)
    expect(fs.existsSync(`${dir}.zip`)).toBe(false)
    await ui.shot('export-04-cancelled')
  }, 180_000)
})

/** "#c53030" as getComputedStyle writes a colour: "rgb(197, 48, 48)". */
function rgb(hex: string): string {
  const n = parseInt(hex.replace('#', ''), 16)
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`
}
