/// <reference lib="dom" />
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setAttribute } from '../../main/engine/attributes/attributes'
import { writeShapes } from '../../main/cli/demo-shapes'
import { Studio } from '../../main/engine/studio'
import { tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/** Evaluate's "By attribute": a run's accuracy per value of an attribute, and one class's recall per value. */
describe.skipIf(!haveChromium)('Evaluate by attribute (Chromium against browser mode)', () => {
  const root = tmpDir()
  let ui: StudioPage

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 12)
    const studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    await trainInProcess(studio, { epochs: 1, inputSize: 24, workers: 1 })
    const ids = studio.store.images.page({ limit: 1000 }).items.map((i) => i.id)
    setAttribute(
      studio.store,
      ids.filter((_, i) => i % 3 === 0),
      'site',
      'north',
    )
    setAttribute(
      studio.store,
      ids.filter((_, i) => i % 3 !== 0),
      'site',
      'south',
    )
    studio.close()
    ui = await openStudioPage(path.join(root, 'proj'), path.join(root, 'recent.json'))
  }, 180_000)
  afterAll(() => ui?.close())

  it('shows the slices of the user’s attribute, worst first, and a class’s recall per value', async () => {
    const p = ui.page
    await p.goto(ui.server.url)
    await p.click('nav >> text=Evaluate')
    await p.waitForSelector('[data-testid="slices"] tbody tr')
    expect(await p.inputValue('[data-testid="slice-attribute"]')).toBe('site')
    const rows = await p.$$eval('[data-testid="slices"] tbody tr th', (ths) =>
      ths.map((t) => t.textContent?.trim() ?? ''),
    )
    expect(rows[0]).toBe('all')
    expect(
      rows
        .slice(1)
        .map((r) => r.split(' ')[0])
        .sort(),
    ).toEqual(['north', 'south'])
    const classes = await p.$$eval('[data-testid="slice-class"] option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    )
    await p.selectOption('[data-testid="slice-class"]', classes[1]!)
    await p.waitForSelector('[data-testid="equal-opportunity"]')
    expect(await p.textContent('[data-testid="equal-opportunity"]')).toContain(classes[1]!)
    await p.$eval('[data-testid="slices"]', (el) => el.scrollIntoView())
    await ui.shot('slices-light')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('slices-dark')
    expect(await axeProblems(p)).toEqual([])
  })
})
