/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatasetVersion } from '../../main/engine/datasets/versions'
import { writeShapes } from '../../main/engine/sample/shapes'
import { Studio } from '../../main/engine/studio'
import { withDefaults } from '../../main/engine/training/config'
import { runTraining } from '../../main/engine/training/trainer'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { axeProblems, haveChromium, openStudioPage, showsCount, type StudioPage } from './harness'

/** A run on the import's own train/val folders: no test split, so its headline accuracy is validation's. */
async function trainOnOriginSplits(s: Studio): Promise<number> {
  const full = withDefaults({ epochs: 1, inputSize: 32, useOriginSplits: true, workers: 1 })
  const v = createDatasetVersion(s.store, { seed: full.seed, fractions: full.fractions, useOriginSplits: true })
  const id = s.store.runs.create({
    datasetVersion: v,
    preset: full.preset,
    config: JSON.stringify(full),
    createdAt: new Date().toISOString(),
    pid: process.pid,
  })
  await runTraining({ projectDir: s.root, runId: id, resume: false }, { emit: () => {}, cancelled: () => false })
  return id
}

/** Every view, and the element that shows it is ready. */
const VIEWS: [string, string][] = [
  ['projects', '.projects'],
  ['browse', '[data-index="0"]'],
  ['import', '.import'],
  ['health', 'main section'],
  ['review', 'main section'],
  ['label-next', 'main section'],
  ['train', 'main section'],
  ['runs', '.runs table'],
  ['evaluate', '[data-cell="0-0"]'],
  ['export', '.export'],
  ['try', '.try'],
  ['settings', '.settings'],
]

/** Evaluate, Export, Import, Try the model, Projects' first run; accessibility of every view in both themes. */
describe.skipIf(!haveChromium)('the other views (Chromium against browser mode)', () => {
  const root = tmpDir()
  const evil = 'x<img src=x onerror="window.__xss=1">'
  let studio: Studio
  let ui: StudioPage
  const page = () => ui.page
  const inViewport = (sel: string) =>
    page().$eval(sel, (el) => {
      const r = el.getBoundingClientRect()
      return r.top >= 0 && r.top < window.innerHeight
    })

  beforeAll(async () => {
    await writeShapes(path.join(root, 'data', 'train'), 10)
    await writeShapes(path.join(root, 'data', 'val'), 4, 2)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'data'))
    // A class name that is HTML: every view must show it as text, the model card too.
    studio.labels.renameClass('cross', evil)
    await trainOnOriginSplits(studio)
    ui = await openStudioPage(studio.root, path.join(root, 'recent.json'))
    await page().goto(ui.server.url)
    await page().waitForSelector('[data-index="0"]')
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  it('Evaluate: a cell opens its images in view; cells work by keyboard; the matrix can be normalised', async () => {
    const p = page()
    await p.click('nav >> text=Evaluate')
    await p.waitForSelector('[data-testid="confusion"] [data-cell="0-0"]')
    await p.click('[data-cell="1-1"]')
    await p.waitForSelector('[data-testid="cell-title"]')
    // The smooth scroll: until its end, the title moves into view.
    await p.waitForFunction(() => {
      const r = document.querySelector('[data-testid="cell-title"]')!.getBoundingClientRect()
      return r.top >= 0 && r.top < window.innerHeight
    })
    expect(await inViewport('[data-testid="cell-title"]')).toBe(true)
    expect(await p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('cell-title')
    await ui.shot('v2-10-evaluate-cell')
    // Keyboard: arrows move between cells, Enter opens one.
    await p.focus('[data-cell="0-0"]')
    await p.keyboard.press('ArrowDown')
    await p.keyboard.press('ArrowRight')
    expect(await p.evaluate(() => document.activeElement?.getAttribute('data-cell'))).toBe('1-1')
    await p.keyboard.press('ArrowUp')
    await p.keyboard.press('Enter')
    await p.waitForFunction(() =>
      /^circle predicted as x<img/.test(
        document.querySelector('[data-testid="cell-title"]')?.textContent?.trim() ?? '',
      ),
    )
    expect(await p.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    // Normalised: every row of shares sums to 100 % (± rounding) where the class has images.
    await p.check('label:has-text("Normalised") input')
    const rows = await p.$$eval('[data-testid="confusion"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('button')].map((b) => Number(b.textContent!.replace('%', '').trim()))),
    )
    for (const row of rows) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(row.length)
    await ui.shot('v2-11-evaluate-normalised')
    await p.uncheck('label:has-text("Normalised") input')
  })

  it('Evaluate: another split once the run has scored every image', async () => {
    const p = page()
    await p.click('nav >> text=Evaluate')
    await p.waitForSelector('select[aria-label="Split"]')
    expect(await p.isDisabled('select[aria-label="Split"] option[value="train"]')).toBe(true)
    await p.click('button:has-text("Score every image")')
    await p.waitForFunction(
      () => !document.querySelector<HTMLOptionElement>('select[aria-label="Split"] option[value="train"]')?.disabled,
      null,
      { timeout: 60_000 },
    )
    await p.selectOption('select[aria-label="Split"]', 'train')
    const version = studio.store.runs.get(1)!.datasetVersion
    const n = studio.store.datasets.items(version, 'train').length
    await p.waitForFunction(
      (n) => document.querySelector('.evaluate')?.textContent?.includes(`On the train split (${n} images)`),
      n,
    )
    const cells = await p.$$eval('[data-testid="confusion"] button', (bs) => bs.map((b) => Number(b.textContent)))
    expect(cells.reduce((a, b) => a + b, 0)).toBe(n)
    await ui.shot('v2-10b-evaluate-train-split')
    await p.selectOption('select[aria-label="Split"]', 'val')
    await p.waitForFunction(() => document.querySelector('.evaluate')?.textContent?.includes('On the val split'))
  })

  it('Evaluate: a mistake opens large; a label key relabels it, named by file name', async () => {
    const p = page()
    const first = p.locator('[data-testid="mistakes"] .open').first()
    if ((await first.count()) === 0) return // a perfect run has no mistakes to open
    await first.click()
    await p.waitForSelector('[data-testid="zoom"]')
    const name = (await p.textContent('[data-testid="zoom"] .name'))!
    // train/ and val/ hold files of the same names: the picture's address names its content hash.
    const src = (await p.getAttribute('[data-testid="zoom"] img', 'src'))!
    await p.keyboard.press('3')
    await p.waitForFunction(
      (n) => (document.querySelector('[data-testid="toast"]')?.textContent ?? '').includes(`${n} → `),
      name,
    )
    await ui.shot('v2-12-evaluate-zoom')
    await p.keyboard.press('Escape')
    const img = studio.store.images
      .page({ search: name, limit: 50 })
      .items.find((i) => i.originalName === name && src.includes(i.hash))!
    expect(studio.image(img.id).className).toBe(studio.labels.classes()[2]!.name)
  })

  it('Export: the list shows validation accuracy when there is no test split; the model card is rendered, safely', async () => {
    const p = page()
    await p.click('nav >> text=Export')
    // Views are chunks fetched on first visit: until Export's arrives, the last view (and its Run list) shows.
    await p.waitForSelector('h2:has-text("Export a model")')
    const option = (await p.textContent('select[aria-label="Run"] option'))!
    expect(option).toMatch(/run 1 \(.*, val \d+\.\d %\)/)
    await p.fill('input[aria-label="Destination folder"]', path.join(root, 'exported'))
    await p.click('button:has-text("Export")')
    await p.waitForSelector('[data-testid="model-card"] h1', { timeout: 120_000 })
    // The card was rendered again after the self-test, with its results.
    expect(await p.textContent('[data-testid="export-formats"]')).toMatch(/tfjs.*passed/s)
    expect(await p.textContent('[data-testid="model-card"] h1')).toMatch(/^Model card: run 1/)
    expect(await p.locator('[data-testid="model-card"] h2').count()).toBeGreaterThan(2)
    expect(await p.locator('[data-testid="model-card"] table').count()).toBeGreaterThan(0)
    expect(await p.locator('[data-testid="model-card"] [onerror], [data-testid="model-card"] script').count()).toBe(0)
    expect(await p.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    await ui.shot('v2-13-export-card')
  })

  it('Import: errors are grouped by import, newest first and open', async () => {
    const p = page()
    for (const name of ['first', 'second']) {
      await makeImages(path.join(root, name), 2, name === 'first' ? 100 : 200)
      fs.writeFileSync(path.join(root, name, `broken-${name}.jpg`), 'not an image')
    }
    await p.click('nav >> text=Import')
    for (const name of ['first', 'second']) {
      await p.fill('input[aria-label="Folder or CSV"]', path.join(root, name))
      await p.click('button[type="submit"]')
      await p.waitForFunction(
        () => /^Done/.test(document.querySelector('[data-testid="import-result"]')?.textContent ?? ''),
        null,
        { timeout: 60_000 },
      )
    }
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="error-group"]').length === 2)
    const groups = await p.$$eval('[data-testid="error-group"]', (ds) =>
      ds.map((d) => ({ open: (d as HTMLDetailsElement).open, text: d.textContent ?? '' })),
    )
    expect(groups[0]).toMatchObject({ open: true, text: expect.stringContaining('broken-second.jpg') })
    expect(groups[0]!.text).toContain(path.join(root, 'second'))
    expect(groups[1]).toMatchObject({ open: false, text: expect.stringContaining(path.join(root, 'first')) })
    expect(groups[0]!.text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d · import \d+ of .* · 1 error/)
    await ui.shot('v2-14-import-errors')
  })

  it('Try the model: a picked file and project images get the class bars of the run', async () => {
    const p = page()
    await p.click('nav >> text=Try the model')
    await p.waitForSelector('[data-testid="file-input"]')
    await writeShapes(path.join(root, 'try'), 1, 9)
    await p.setInputFiles('[data-testid="file-input"]', path.join(root, 'try', 'square', 'square-0000.jpg'))
    await p.waitForSelector('[data-testid="try-results"] li .bar')
    expect(await p.locator('[data-testid="try-results"] li').first().locator('.bar').count()).toBe(4)
    expect(await p.textContent('[data-testid="try-results"] li .head')).toMatch(/square-0000\.jpg/)
    await p.click('button:has-text("Try 4 project images")')
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="try-results"] li .head').length === 5)
    await ui.shot('v2-15-try')
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('v2-16-try-dark')
    await p.emulateMedia({ colorScheme: 'light' })
  })

  for (const scheme of ['light', 'dark'] as const) {
    it(`every view in the ${scheme} theme has no critical or serious accessibility violation`, async () => {
      const p = page()
      const problems: string[] = []
      const check = async (what: string) => {
        const found = (await axeProblems(p)).map((x) => `${scheme} ${what}: ${x}`)
        for (const f of found) console.log(f)
        problems.push(...found)
      }
      await p.emulateMedia({ colorScheme: scheme })
      // One fresh page (no dialog or selection of an earlier test left open), then every view as the
      // user reaches it: the address changes, the view's own element shows, its data arrives.
      await p.goto(`${new URL(ui.server.url).origin}/#/${VIEWS[0]![0]}`)
      await p.reload()
      for (const [view, ready] of VIEWS) {
        await p.goto(`${new URL(ui.server.url).origin}/#/${view}`)
        await p.waitForSelector(`main > .${view}`)
        await p.waitForSelector(ready)
        await ui.settled()
        await ui.shot(`v2-view-${scheme}-${view}`)
        await check(view)
      }
      // The dialogs of Browse: the large view and the keys.
      await p.goto(`${new URL(ui.server.url).origin}/#/browse`)
      await p.click('[data-index="0"]')
      await p.keyboard.press('Space')
      await p.waitForSelector('[data-testid="zoom"]')
      await check('zoom')
      await p.keyboard.press('Escape')
      await p.keyboard.press('?')
      await p.waitForSelector('[aria-labelledby="keys-title"]')
      await check('keys')
      await p.keyboard.press('Escape')
      await p.emulateMedia({ colorScheme: 'light' })
      expect(problems).toEqual([])
    }, 300_000)
  }

  it('the accessibility check finds a violation when there is one (a nameless button, faint text)', async () => {
    const p = page()
    await p.goto(`${new URL(ui.server.url).origin}/#/settings`)
    await p.waitForSelector('main > .settings')
    expect(await axeProblems(p)).toEqual([])
    await p.evaluate(() => {
      const main = document.querySelector('main > .settings')!
      main.append(document.createElement('button'))
      const faint = document.createElement('p')
      faint.textContent = 'faint'
      faint.style.color = '#eee'
      faint.style.background = '#fff'
      main.prepend(faint)
    })
    const found = await axeProblems(p)
    expect(found.some((f) => f.startsWith('critical button-name: '))).toBe(true)
    expect(found.some((f) => f.startsWith('serious color-contrast: '))).toBe(true)
  })

  it('every control is reached by Tab with a visible focus ring, tiles and matrix cells included', async () => {
    const p = page()
    const tabThrough = async (n: number) => {
      const seen: { what: string; ring: boolean }[] = []
      for (let i = 0; i < n; i++) {
        await p.keyboard.press('Tab')
        seen.push(
          await p.evaluate(() => {
            const el = document.activeElement as HTMLElement
            const s = getComputedStyle(el)
            const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
            const what = `${el.tagName.toLowerCase()}${el.getAttribute('role') ? `[${el.getAttribute('role')}]` : ''} ${
              el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''
            }`
            return { what, ring }
          }),
        )
      }
      return seen
    }
    // A reload: a hash change alone would keep any dialog a test before left open.
    await p.goto(`${new URL(ui.server.url).origin}/#/browse`)
    await p.reload()
    await p.waitForSelector('[data-index="0"]')
    const browse = await tabThrough(45)
    expect(browse.some((s) => s.what.startsWith('figure[gridcell]'))).toBe(true)
    expect(browse.filter((s) => !s.ring && !s.what.startsWith('body'))).toEqual([])
    await p.goto(`${new URL(ui.server.url).origin}/#/evaluate`)
    await p.reload()
    await p.waitForSelector('[data-cell="0-0"]')
    const evaluate = await tabThrough(30)
    expect(evaluate.some((s) => /^button .* predicted as /.test(s.what))).toBe(true)
    expect(evaluate.filter((s) => !s.ring && !s.what.startsWith('body'))).toEqual([])
  })

  it('Projects: "not a project" offers to create one there; "Try with sample data" makes a labeled project', async () => {
    const p = page()
    await p.goto(`${new URL(ui.server.url).origin}/#/projects`)
    const plain = path.join(root, 'plain')
    fs.mkdirSync(plain)
    await p.fill('input[aria-label="Project folder"]', plain)
    await p.click('button:has-text("Open")')
    await p.waitForSelector('button:has-text("Create a project here")')
    expect(await p.textContent('[data-testid="project-error"]')).toBe(`${plain} is not a Studio project yet.`)
    await ui.shot('v2-17-not-a-project')
    await p.click('button:has-text("Create a project here")')
    await p.waitForFunction(() => document.querySelector('header .project')?.textContent === 'plain')
    expect(fs.existsSync(path.join(plain, 'studio.db'))).toBe(true)

    await p.click('nav >> text=Projects')
    await p.fill('input[aria-label="Project folder"]', path.join(root, 'sample'))
    await p.click('[data-testid="try-sample"]')
    await p.waitForSelector('.browse')
    await showsCount(p, 48)
    // The class panel is asked for beside the images: it may come a moment after the count.
    await p.waitForFunction(() => document.querySelectorAll('.classes li .name').length > 0)
    expect(await p.locator('.classes li .name').allTextContents()).toEqual(['circle', 'cross', 'square', 'triangle'])
    await ui.shot('v2-18-sample-project')
  })
})
