/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tmpDir } from '../helpers/fixtures'
import { makeExportProject } from '../engine/export-data/fixture'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/** Export view's dataset export: format, version, options, destination, progress, the summary. */
describe.skipIf(!haveChromium)('dataset export (Chromium against browser mode)', () => {
  const root = tmpDir()
  let ui: StudioPage

  beforeAll(async () => {
    const { dir } = await makeExportProject(root)
    ui = await openStudioPage(dir, path.join(root, 'recent.json'))
  }, 180_000)
  afterAll(() => ui?.close())

  it('exports a version as COCO and shows what it wrote; a non-empty folder is refused', async () => {
    const p = ui.page
    await p.goto(ui.server.url)
    await p.click('nav >> text=Export')
    await p.waitForSelector('#dataset-export-title')
    await p.selectOption('label:has-text("Format") select', 'coco')
    expect(await p.textContent('[data-testid="format-hint"]')).toContain('annotations.json')
    const versions = await p.$$eval('label:has-text("Labels") select option', (os) => os.map((o) => o.textContent))
    expect(versions[1]).toMatch(/^Version 1 — train 14, val 5, test 5/)
    await p.selectOption('label:has-text("Labels") select', { index: 1 })
    await p.waitForSelector('label:has-text("Splits") select')

    const full = path.join(root, 'full')
    fs.mkdirSync(full)
    fs.writeFileSync(path.join(full, 'mine.txt'), 'x')
    await p.fill('[aria-label="Destination folder"]', full)
    await p.click('button:has-text("Export dataset")')
    await p.waitForSelector('[data-testid="job-export-data"] .error')
    expect(await p.textContent('[data-testid="job-export-data"]')).toContain('exists and is not empty')
    await p.click('[data-testid="job-export-data"] button:has-text("Dismiss")')

    const dest = path.join(root, 'coco-out')
    await p.fill('[aria-label="Destination folder"]', dest)
    await ui.shot('dataset-export-form')
    await p.click('button:has-text("Export dataset")')
    await p.waitForSelector('[data-testid="dataset-export-result"]')
    expect(await p.textContent('[data-testid="dataset-export-result"]')).toContain(
      `24 images (train 14, val 5, test 5), 2 classes`,
    )
    expect(fs.existsSync(path.join(dest, 'annotations.json'))).toBe(true)
    await ui.shot('dataset-export-done')
    expect(await axeProblems(p)).toEqual([])
  })
})
