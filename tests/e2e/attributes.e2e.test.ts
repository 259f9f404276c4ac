/// <reference lib="dom" />
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setAttribute } from '../../main/engine/attributes/attributes'
import { writeShapes } from '../../main/engine/sample/shapes'
import { Studio } from '../../main/engine/studio'
import { tmpDir } from '../helpers/fixtures'
import { axeProblems, haveChromium, openStudioPage, showsCount, type StudioPage } from './harness'

/** Attributes in Browse: set one on a shift-click selection, filter by it (the address too), clear it, undo. */
describe.skipIf(!haveChromium)('attributes in Browse (Chromium against browser mode)', () => {
  const root = tmpDir()
  let studio: Studio
  let ui: StudioPage
  let ids: number[] = []
  const page = () => ui.page
  const siteOf = (k: number) => studio.store.attributes.valuesOf('site', [ids[k]!]).get(ids[k]!) ?? null
  const waitMessage = (text: string) =>
    page().waitForFunction((t) => document.querySelector('[data-testid="message"]')?.textContent === t, text)

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 6)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    ids = studio.store.images.page({ limit: 1000 }).items.map((i) => i.id)
    // An attribute the project has already (from a CSV, say): the form offers its name.
    setAttribute(studio.store, ids.slice(10, 14), 'camera', 'A')
    ui = await openStudioPage(studio.root, path.join(root, 'recent.json'))
    await page().goto(ui.server.url)
    await page().waitForSelector('[data-index="0"] img')
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  it('sets site=north on a shift-click selection, filters by it with the right count, clears it, undoes', async () => {
    const p = page()
    await showsCount(p, 24)
    await p.click('[data-index="2"]')
    await p.click('[data-index="6"]', { modifiers: ['Shift'] })
    await p.click('[data-testid="set-attribute"]')
    const offered = await p.$$eval('#attribute-names option', (os) => os.map((o) => (o as HTMLOptionElement).value))
    expect(offered).toEqual(['camera'])
    await p.fill('[data-testid="attribute-name"]', 'Site')
    await p.fill('[data-testid="attribute-value"]', 'north')
    await ui.shot('attributes-01-set-form')
    await p.click('[data-testid="attribute-form"] button[type="submit"]')
    await waitMessage('site = north on 5 images')
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(siteOf)).toEqual([
      null,
      null,
      'north',
      'north',
      'north',
      'north',
      'north',
      null,
    ])

    // Filter: attribute, then value (with its count); the grid shows those 5, the address says so.
    await p.selectOption('[data-testid="attr-filter"]', 'site')
    const values = await p.$$eval('[data-testid="attr-value"] option', (os) => os.map((o) => o.textContent?.trim()))
    expect(values).toEqual(['Any site', 'north (5)', 'no value (19)'])
    await p.selectOption('[data-testid="attr-value"]', 'v:north')
    await showsCount(p, 5)
    expect(await p.$$eval('[data-index]', (ts) => ts.length)).toBe(5)
    expect(new URL(p.url()).hash + new URL(p.url()).search).toMatch(/attr=site&value=north/)
    await ui.shot('attributes-02-filtered')
    expect(await axeProblems(p)).toEqual([])

    // "no value" is the other 19; built-ins filter too (all 24 shapes are 64 px: "<128").
    await p.selectOption('[data-testid="attr-value"]', 'none')
    await showsCount(p, 19)
    await p.selectOption('[data-testid="attr-filter"]', 'size')
    await p.selectOption('[data-testid="attr-value"]', 'v:<128')
    await showsCount(p, 24)

    // Back to site=north; select all 5 and clear: none match any more. Undo brings them back.
    await p.selectOption('[data-testid="attr-filter"]', 'site')
    await p.selectOption('[data-testid="attr-value"]', 'v:north')
    await showsCount(p, 5)
    await p.click('button:has-text("Select all")')
    await p.click('[data-testid="clear-attribute"]')
    await p.selectOption('[data-testid="attribute-name"]', 'site')
    await p.click('[data-testid="attribute-form"] button[type="submit"]')
    await waitMessage('site cleared from 5 images')
    await showsCount(p, 0)
    expect([2, 3, 4, 5, 6].map(siteOf)).toEqual([null, null, null, null, null])
    await p.click('button:has-text("Undo")')
    await waitMessage('Undid the change of site')
    await showsCount(p, 5)
    expect([2, 3, 4, 5, 6].map(siteOf)).toEqual(['north', 'north', 'north', 'north', 'north'])
  })

  it('refuses a built-in name with the reason, in the form', async () => {
    const p = page()
    await p.click('[data-index="0"]')
    await p.click('[data-index="1"]', { modifiers: ['Shift'] })
    await p.click('[data-testid="set-attribute"]')
    await p.fill('[data-testid="attribute-name"]', 'brightness')
    await p.fill('[data-testid="attribute-value"]', 'dim')
    await p.click('[data-testid="attribute-form"] button[type="submit"]')
    await p.waitForSelector('[data-testid="attribute-error"]')
    expect(await p.textContent('[data-testid="attribute-error"]')).toContain(
      '"brightness" is a built-in attribute name',
    )
    await ui.shot('attributes-03-refused')
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('attributes-04-refused-dark')
    expect(await axeProblems(p)).toEqual([])
    await p.keyboard.press('Escape')
    await p.waitForSelector('[data-testid="attribute-form"]', { state: 'detached' })
  })
})
