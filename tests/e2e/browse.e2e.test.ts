/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import Database from 'better-sqlite3'
import { AppSession } from '../../main/engine/session'
import { Studio } from '../../main/engine/studio'
import { serveProject, type RunningServer } from '../../main/server/server'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { buildRendererIfStale, CHROMIUM, haveChromium, nextFrames, repo } from './harness'

const shots = path.join(repo, 'test-output', 'e2e')

describe.skipIf(!haveChromium)('the studio page in Chromium against browser mode', () => {
  const root = tmpDir()
  let studio: Studio
  let server: RunningServer
  let browser: Browser
  let page: Page

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) })

  beforeAll(async () => {
    buildRendererIfStale()
    fs.mkdirSync(shots, { recursive: true })
    await writeShapes(path.join(root, 'shapes'), 12)
    await makeImages(path.join(root, 'shapes'), 22, 700) // unlabeled, at the top level
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    await trainInProcess(studio, { epochs: 1, inputSize: 32, workers: 1 })
    server = await serveProject(studio.root, {
      rendererDir: path.join(repo, 'out/renderer'),
      log: () => {},
      recentFile: path.join(root, 'recent.json'),
    })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    studio?.close()
  })

  it('browses the grid with thumbnails and the class panel', async () => {
    await page.goto(server.url)
    await page.waitForSelector('[data-index="0"] img')
    await page.waitForFunction(() => [...document.images].filter((i) => i.complete && i.naturalWidth > 0).length >= 10)
    expect(await page.textContent('.tools')).toMatch(/70 images/)
    const rows = await page.locator('.classes li .row').allTextContents()
    expect(rows.map((r) => r.replace(/\s+/g, ''))).toEqual(['1circle12⋯', '2cross12⋯', '3square12⋯', '4triangle12⋯'])
    // The token left the address bar.
    expect(page.url()).not.toMatch(/token=/)
    await shot('01-browse')
    // A fling defers the thumbnails of the rows it passes; they load as soon as the scroll settles.
    // The fling is four scroll events within one task (far over 4000 px/s on any machine), and the
    // tiles are read after Vue's render (a microtask), before the next frame could end the fling.
    // The first screen's late requests (the stores' first refresh, the other views' chunks) are over
    // first: a refresh that lands inside the fling would redraw the grid while its rows are re-read.
    await page.waitForLoadState('networkidle')
    const during = (await page.evaluate(`(async () => {
      const el = document.querySelector('[data-testid="grid"]')
      for (let k = 0; k < 4; k++) {
        el.scrollTop += 300
        el.dispatchEvent(new Event('scroll'))
      }
      for (let k = 0; k < 5; k++) await Promise.resolve()
      const imgs = [...el.querySelectorAll('img')]
      return { top: el.scrollTop, total: imgs.length, withSrc: imgs.filter((i) => i.getAttribute('src')).length }
    })()`)) as { top: number; total: number; withSrc: number }
    expect(during.top).toBeGreaterThan(600)
    expect(during.total).toBeGreaterThan(0)
    expect(during.withSrc).toBeLessThan(during.total)
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="grid"] img')].every((i) => i.getAttribute('src')),
    )
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="grid"] img')].filter(
          (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
        ).length >= 10,
    )
    await shot('01b-after-fling')
    await page.evaluate(`document.querySelector('[data-testid="grid"]').scrollTop = 0`)
  })

  it('labels 20 images by keyboard only, undoes and redoes, bulk-labels a selection; the database agrees', async () => {
    await page.evaluate(`document.querySelector('[data-testid="grid"]').scrollTop = 0`)
    await page.selectOption('select[aria-label="Label filter"]', 'unlabeled')
    await page.waitForFunction(() => document.querySelector('.tools')?.textContent?.includes('22 images'))
    await page.click('[data-index="0"]')
    const names = ['circle', 'cross', 'square', 'triangle']
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press(String((i % 4) + 1))
      await page.waitForFunction(
        ([n, cls]) => document.querySelector(`[data-index="${n}"] figcaption`)?.textContent?.includes(cls as string),
        [i, names[i % 4]] as const,
      )
    }
    expect(studio.stats()).toMatchObject({ unlabeled: 2, classes: { circle: 17, cross: 17, square: 17, triangle: 17 } })
    // Focus stayed on the grid (on the focused tile): the next key still labels the next image.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-index') === '20', null, {
      timeout: 5000,
    })
    await page.keyboard.press('z')
    await page.waitForFunction(
      () => document.querySelector('[data-testid="message"]')?.textContent === 'Undid 1 change',
    )
    expect(studio.stats().classes.triangle).toBe(16)
    await page.keyboard.press('Shift+Z')
    await page.waitForFunction(
      () => document.querySelector('[data-testid="message"]')?.textContent === 'Redid 1 change',
    )
    expect(studio.stats().classes.triangle).toBe(17)
    // Undo/redo reloaded the unlabeled list: the 2 still unlabeled. Bulk: shift-click a range, assign it.
    await page.waitForFunction(() => document.querySelector('.tools')?.textContent?.includes('2 images'))
    await page.click('[data-index="0"]')
    await page.click('[data-index="1"]', { modifiers: ['Shift'] })
    await page.keyboard.press('4')
    await page.waitForFunction(
      () => document.querySelector('[data-testid="message"]')?.textContent === '2 images → triangle',
    )
    expect(studio.stats()).toMatchObject({ unlabeled: 0, classes: { triangle: 19 } })
    await shot('02-labeled')
    await page.keyboard.press('?')
    await page.waitForSelector('[role="dialog"]')
    await shot('03-help')
    await page.keyboard.press('Escape')
  })

  it('imports a folder with live progress and lists import errors', async () => {
    await makeImages(path.join(root, 'more'), 30, 900, 640, 480)
    fs.writeFileSync(path.join(root, 'more', 'broken.jpg'), 'not an image')
    await page.click('nav >> text=Import')
    await page.fill('input[aria-label="Folder or CSV"]', path.join(root, 'more'))
    await page.click('button[type="submit"]')
    await page.waitForSelector('[data-testid="import-result"]', { timeout: 60_000 })
    expect(await page.textContent('[data-testid="import-result"]')).toBe('Done: 30 imported, 0 duplicates, 1 error')
    // The progress bar followed the import to its end.
    expect(await page.textContent('[data-testid="import-progress"]')).toMatch(
      /31 \/ 31 · \d+ files\/s · 0 duplicates · 1 error/,
    )
    expect(await page.getAttribute('[data-testid="import-progress"] progress', 'value')).toBe('31')
    expect(await page.textContent('.import table')).toMatch(/broken\.jpg.*not a recognised image/)
    await shot('04-import')
  })

  it('starts a training run and watches the live curves update', async () => {
    await page.click('nav >> text=Train')
    await page.fill('label:has-text("Input size") input', '32')
    await page.fill('label:has-text("Epochs") input', '3')
    await page.fill('label:has-text("Batch") input', '16')
    await page.click('text=Start training')
    // Mid-run: batch progress shown and the curve has points.
    await page.waitForFunction(() =>
      /epoch \d, batch \d+\/\d+/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
    )
    // Which path it trains on, and why, stays in view.
    expect(await page.textContent('[data-testid="train-engine"]')).toMatch(
      /backend wasm, \d workers? — .*(worker|core)/,
    )
    await shot('05-training')
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train-status"] strong')?.textContent === 'done',
      null,
      { timeout: 120_000 },
    )
    expect(await page.locator('.charts canvas').count()).toBe(2)
    expect(studio.store.runs.epochs(2).map((e) => e.epoch)).toEqual([1, 2, 3])
    await shot('06-trained')
  }, 150_000)

  it('opens a confusion-matrix cell and relabels an image there in one click', async () => {
    await page.click('nav >> text=Evaluate')
    await page.selectOption('select[aria-label="Run"]', '2')
    await page.waitForSelector('[data-testid="confusion"]')
    // The reliability diagram is a chart, and the most confident mistakes are listed with their images.
    await page.waitForSelector('[data-testid="reliability"] canvas')
    const wrong = studio.store.runs.predictions(2, { correct: false }).length
    expect(await page.locator('[data-testid="mistakes"] figure').count()).toBe(Math.min(10, wrong))
    const cells = await page.$$eval('[data-cell]', (tds) =>
      tds.map((td) => ({ id: td.getAttribute('data-cell')!, n: Number(td.textContent) })),
    )
    const target = cells.find((c) => c.n > 0)!
    await page.click(`[data-cell="${target.id}"]`)
    await page.waitForSelector('[data-testid="cell-gallery"] figure')
    await shot('07-evaluate')
    const first = page.locator('[data-testid="cell-gallery"] figure').first()
    await first.locator('button', { hasText: 'square' }).click()
    await page.waitForSelector('[data-testid="relabel-note"]')
    // The note names the image by its file name, not by an internal id.
    const note = (await page.textContent('[data-testid="relabel-note"]'))!
    expect(note).not.toMatch(/#\d/)
    const name = /^(\S+\.jpg) → square/.exec(note)![1]!
    const img = studio.store.images.page({ search: name, limit: 10 }).items.find((i) => i.originalName === name)!
    expect(studio.image(img.id).className).toBe('square')
  })

  it('exports the run and shows its model card', async () => {
    await page.click('nav >> text=Export')
    await page.selectOption('select[aria-label="Run"]', '2')
    await page.fill('input[aria-label="Destination folder"]', path.join(root, 'exported'))
    await page.click('button:has-text("Export")')
    // The export is a job: write, self-test each format in a fresh process, then the result.
    await page.waitForSelector('[data-testid="export-result"]', { timeout: 120_000 })
    for (const f of [
      'model.json',
      'weights.bin',
      'labels.json',
      'preprocessing.json',
      'model-card.md',
      'predict.mjs',
    ]) {
      expect(fs.existsSync(path.join(root, 'exported', f)), f).toBe(true)
    }
    // The model card is rendered (a heading, not "# Model card" as text).
    expect(await page.textContent('[data-testid="model-card"] h1')).toMatch(/^Model card: run 2/)
    expect(await page.textContent('[data-testid="model-card"]')).not.toMatch(/^#/m)
    await shot('08-export')
  })

  it('shows the experiments table', async () => {
    await page.click('nav >> text=Experiments')
    await page.waitForSelector('.runs table')
    expect(await page.locator('.runs .list tbody tr').count()).toBe(2)
    await shot('09-runs')
  })

  it('compares two runs side by side', async () => {
    await page.check('input[aria-label="Compare run 1"]')
    await page.check('input[aria-label="Compare run 2"]')
    await page.waitForSelector('[data-testid="compare"]')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare"] canvas').length === 3)
    const header = await page.locator('.side thead th').allTextContents()
    expect(header.slice(1)).toEqual(['Run 1', 'Run 2'])
    // The runs were trained with different settings: those rows are marked as differing.
    expect(await page.locator('.side tr.differs th').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Epochs/)]),
    )
    await shot('10-compare')
  })

  it('filters the grid through a run’s predictions: split, correctness, confidence', async () => {
    await page.click('nav >> text=Browse')
    await page.selectOption('select[aria-label="Label filter"]', 'all')
    await page.selectOption('select[aria-label="Predictions of run"]', { label: 'Predictions of run 2' })
    const shows = (n: number) =>
      page.waitForFunction((n) => document.querySelector('.tools')?.textContent?.includes(`${n} images`), n)
    await shows(studio.store.images.total())
    await page.waitForSelector('.tile .pred')
    await page.selectOption('select[aria-label="Correctness"]', 'incorrect')
    await shows(studio.store.images.count({ runId: 2, correct: false }))
    await page.waitForSelector('.tile .pred.wrong')
    await page.click('[data-index="0"]')
    await page.waitForSelector('.detail dd.wrong')
    await shot('11-predictions')
    await page.selectOption('select[aria-label="Correctness"]', 'correct')
    await page.selectOption('select[aria-label="Split filter"]', 'test')
    await page.fill('input[aria-label="Minimum confidence"]', '40')
    const want = studio.store.images.count({ runId: 2, correct: true, split: 'test', minConfidence: 0.4 })
    await shows(want)
    if (want) await page.waitForSelector('.tile .pred:not(.wrong)')
    await page.selectOption('select[aria-label="Predictions of run"]', { label: 'No predictions' })
    await page.selectOption('select[aria-label="Split filter"]', 'any')
    await shows(studio.store.images.total())
  })

  it('Projects: refuses bad folders clearly, creates a project with 300 classes, reopens from recent', async () => {
    await page.click('nav >> text=Projects')
    await page.waitForSelector('.recent')
    expect(await page.locator('.recent li').allTextContents()).toEqual([expect.stringMatching(/proj.*open/)])
    const tryOpen = async (dir: string, pattern: RegExp) => {
      await page.fill('input[aria-label="Project folder"]', dir)
      await page.click('button:has-text("Open")')
      await page.waitForFunction(
        (p) => new RegExp(p).test(document.querySelector('[data-testid="project-error"]')?.textContent ?? ''),
        pattern.source,
      )
    }
    fs.mkdirSync(path.join(root, 'plain'))
    await tryOpen(path.join(root, 'plain'), /is not a Studio project/)
    const newer = path.join(root, 'newer')
    Studio.init(newer).close()
    const raw = new Database(path.join(newer, 'studio.db'))
    raw.pragma('user_version = 99')
    raw.close()
    await tryOpen(newer, /newer Studio/)
    const locked = path.join(root, 'locked')
    const other = new AppSession({
      shell: 'browser',
      onEvent: () => {},
      recentFile: path.join(root, 'other-recent.json'),
    })
    other.open(locked, true)
    await tryOpen(locked, /another Studio window is already running/)
    other.close()
    await shot('12-project-errors')
    // Still on the first project after all that.
    expect(await page.textContent('header .project')).toBe('proj')

    const fresh = path.join(root, 'fresh')
    await page.fill('input[aria-label="Project folder"]', fresh)
    await page.click('button:has-text("Create here")')
    await page.waitForSelector('.import')
    expect(await page.textContent('header .project')).toBe('fresh')
    const f = Studio.open(fresh)
    const long = 'a very long class name that keeps going '.repeat(3).trim()
    f.labels.createClass(long)
    for (let i = 1; i < 300; i++) f.labels.createClass(`class ${String(i).padStart(3, '0')}`)
    await makeImages(path.join(root, 'flat'), 5, 1500)
    await f.import(path.join(root, 'flat'))
    await page.click('nav >> text=Browse')
    await page.waitForFunction(() => document.querySelectorAll('.classes li').length === 300)
    await page.click('[data-index="0"]')
    await page.keyboard.press('1')
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="message"]')?.textContent?.includes('.jpg → a very long'),
    )
    expect(f.stats().classes[long]).toBe(1)
    // The long name is cut with an ellipsis in the panel, and the layout holds.
    const overflow = await page.$eval('.classes li .name', (el) => el.scrollWidth > el.clientWidth)
    expect(overflow).toBe(true)
    await shot('13-300-classes')
    f.close()

    await page.click('nav >> text=Projects')
    await page.click('.recent button:has-text("proj")')
    await page.waitForSelector('[data-index="0"]')
    expect(await page.textContent('header .project')).toBe('proj')
    await page.click('nav >> text=Projects')
    await page.waitForSelector('.recent li')
    expect((await page.locator('.recent li strong').allTextContents()).slice(0, 2)).toEqual(['proj', 'fresh'])
    await shot('14-projects')
    // Dark theme follows the OS setting.
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.click('nav >> text=Browse')
    await page.waitForSelector('[data-index="0"]')
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(22, 22, 26)')
    await shot('15-dark')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('keeps a live training run across navigation and a reload; Start works again once it ends', async () => {
    await page.click('nav >> text=Train')
    const start = page.locator('button:has-text("Start training")')
    const cancel = page.locator('button:has-text("Cancel")')
    const status = () => page.textContent('[data-testid="train-status"]')
    const points = async () => Number(await page.getAttribute('.charts .chart >> nth=0', 'data-points'))
    const epochNow = async () => Number(/epoch (\d+), batch/.exec((await status()) ?? '')?.[1] ?? 0)
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[type="submit"]')?.disabled)
    // Long enough to be still running through all of this; cancelled below. No early stopping.
    await page.fill('label:has-text("Input size") input', '32')
    await page.fill('label:has-text("Epochs") input', '500')
    await page.fill('label:has-text("Batch") input', '16')
    await page.fill('label:has-text("Early stopping patience") input', '0')
    await start.click()
    await page.waitForFunction(() =>
      /Run 3: running.*epoch \d+, batch \d+\/\d+/s.test(
        document.querySelector('[data-testid="train-status"]')?.textContent ?? '',
      ),
    )
    await page.waitForFunction(() => Number(document.querySelector('.charts .chart')?.getAttribute('data-points')) >= 3)
    expect(await start.isDisabled()).toBe(true)
    expect(await cancel.isEnabled()).toBe(true)
    await shot('16-training-live')
    await page.emulateMedia({ colorScheme: 'dark' })
    await nextFrames(page)
    await shot('17-training-live-dark')
    await page.emulateMedia({ colorScheme: 'light' })

    // Away and back: the same run, its curves, its Cancel, and the form as it was.
    const before = await points()
    await page.click('nav >> text=Browse')
    await page.waitForSelector('[data-index="0"]')
    await page.click('nav >> text=Train')
    await page.waitForSelector('[data-testid="train-status"]')
    expect(await status()).toMatch(/Run 3: running/)
    expect(await page.locator('.charts canvas').count()).toBe(2)
    expect(await points()).toBeGreaterThanOrEqual(before)
    expect(await page.inputValue('label:has-text("Epochs") input')).toBe('500')
    expect(await cancel.isEnabled()).toBe(true)
    expect(await start.isDisabled()).toBe(true)
    await page.waitForFunction(
      (n) => Number(document.querySelector('.charts .chart')?.getAttribute('data-points')) > n,
      before,
    )

    // A reload rebuilds the run from the engine: the epochs logged so far, then the live events again.
    await page.waitForFunction(
      () =>
        Number(
          /epoch (\d+), batch/.exec(document.querySelector('[data-testid="train-status"]')?.textContent ?? '')?.[1],
        ) >= 3,
    )
    const epochsLogged = (await epochNow()) - 1
    await page.reload()
    await page.waitForFunction(() =>
      /Run 3: running/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
    )
    await page.waitForFunction(
      (n) => Number(document.querySelector('.charts .chart')?.getAttribute('data-points')) >= n,
      epochsLogged,
    )
    await page.waitForFunction(() =>
      /epoch \d+, batch \d+\/\d+/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
    )
    expect(await cancel.isEnabled()).toBe(true)
    expect(await start.isDisabled()).toBe(true)
    // The form shows the running run's settings again, not the preset's defaults.
    expect(await page.inputValue('label:has-text("Epochs") input')).toBe('500')
    expect(await page.inputValue('label:has-text("Input size") input')).toBe('32')
    await shot('18-training-after-reload')

    // It ends (cancelled here): Start is enabled and starts a new run, with no "already running".
    await cancel.click()
    await page.click('button:has-text("Stop the run")') // Cancel asks first
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train-status"] strong')?.textContent === 'cancelled',
      null,
      { timeout: 60_000 },
    )
    expect(studio.store.runs.get(3)?.status).toBe('cancelled')
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[type="submit"]')?.disabled)
    expect(await cancel.isDisabled()).toBe(true)
    await shot('19-training-cancelled')
    await page.fill('label:has-text("Epochs") input', '1')
    await start.click()
    await page.waitForFunction(() =>
      /Run 4: (running|done)/.test(document.querySelector('[data-testid="train-status"]')?.textContent ?? ''),
    )
    expect(await page.locator('[data-testid="train-error"]').count()).toBe(0)
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train-status"] strong')?.textContent === 'done',
      null,
      { timeout: 120_000 },
    )
    expect(await start.isEnabled()).toBe(true)
  }, 240_000)

  it('shows why an import failed and lets the user import again at once', async () => {
    await page.goto(server.url)
    await page.click('nav >> text=Import')
    const missing = path.join(root, 'no-such-folder')
    await page.fill('input[aria-label="Folder or CSV"]', missing)
    // The failure event can beat the start request's reply (they travel apart); make it do so every time.
    await page.route('**/api/call/startImport', async (route) => {
      const reply = await route.fetch()
      await page.waitForSelector('[data-testid="import-error"]')
      await route.fulfill({ response: reply })
    })
    const replied = page.waitForResponse('**/api/call/startImport')
    await page.click('button[type="submit"]')
    await replied
    await page.unroute('**/api/call/startImport')
    expect(await page.textContent('[data-testid="import-error"]')).toMatch(/no-such-folder does not exist/)
    // The form is usable again all the same.
    await page.waitForTimeout(200)
    expect(await page.isEnabled('button[type="submit"]')).toBe(true)
    expect(await page.isDisabled('button:has-text("Cancel")')).toBe(true)
    await shot('20-import-error')
  })
})
