/// <reference lib="dom" />
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/engine/sample/shapes'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { haveChromium, nextFrames, openStudioPage, showsCount, toolsText, type StudioPage } from './harness'

/** Browse as a labeler uses it: the large view, keys, undo you can see, classes, the labeling flow. */
describe.skipIf(!haveChromium)('labeling in Browse (Chromium against browser mode)', () => {
  const root = tmpDir()
  let studio: Studio
  let ui: StudioPage
  const page = () => ui.page
  const classOf = (index: number) => {
    const items = studio.store.images.page({ limit: 1000 }).items
    return studio.image(items[index]!.id).className
  }
  const waitMessage = (re: RegExp) =>
    page().waitForFunction(
      (src) => new RegExp(src).test(document.querySelector('[data-testid="message"]')?.textContent ?? ''),
      re.source,
    )
  /** Scrolls the virtual grid until tile `index` is drawn. */
  const reveal = async (index: number) => {
    await page().evaluate((i) => {
      const grid = document.querySelector('[data-testid="grid"]')!
      const columns = grid.querySelector('[role="row"]')?.querySelectorAll('[role="gridcell"]').length ?? 1
      grid.scrollTop = Math.floor(i / columns) * 168
    }, index)
    await page().waitForSelector(`[data-index="${index}"]`)
  }
  const focusedIndex = () => page().getAttribute('.tile.focused', 'data-index').then(Number)

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 10)
    await makeImages(path.join(root, 'shapes'), 8, 700) // unlabeled, at the top level
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    await trainInProcess(studio, { epochs: 1, inputSize: 32, workers: 1 })
    ui = await openStudioPage(studio.root, path.join(root, 'recent.json'))
    await page().goto(ui.server.url)
    await page().waitForSelector('[data-index="0"] img')
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  it('opens the large view with Space: the original at full size, arrows move, label keys label, Esc closes', async () => {
    const p = page()
    await p.click('[data-index="0"]')
    await p.keyboard.press('Space')
    await p.waitForSelector('[data-testid="zoom"]')
    const items = studio.store.images.page({ limit: 3 }).items
    await p.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="zoom-stage"] img')
      return img?.complete && img.naturalWidth > 0
    })
    const shown = await p.$eval('[data-testid="zoom-stage"] img', (img) => ({
      src: img.getAttribute('src'),
      w: (img as HTMLImageElement).naturalWidth,
    }))
    expect(shown.src).toContain(`/media/original/${items[0]!.hash}`)
    expect(shown.w).toBe(items[0]!.width)
    await ui.shot('v2-01-zoom-fit')
    await p.click('button:has-text("Actual size (1:1)")')
    await p.waitForSelector('[data-testid="zoom-stage"]:not(.fit)')
    await ui.shot('v2-02-zoom-1to1')
    await p.keyboard.press('ArrowRight')
    await p.waitForFunction(
      (n) => document.querySelector('[data-testid="zoom"] .name')?.textContent === n,
      items[1]!.originalName,
    )
    // A label key labels the image in the large view, which then shows the next one.
    await p.keyboard.press('3')
    await waitMessage(new RegExp(`${items[1]!.originalName} → square`))
    expect(studio.image(items[1]!.id).className).toBe('square')
    await p.waitForFunction(
      (n) => document.querySelector('[data-testid="zoom"] .name')?.textContent === n,
      items[2]!.originalName,
    )
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('v2-03-zoom-dark')
    await p.emulateMedia({ colorScheme: 'light' })
    await p.keyboard.press('Escape')
    await p.waitForSelector('[data-testid="zoom"]', { state: 'detached' })
    // Focus is back on the grid, on the focused tile.
    expect(await p.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('2')
    // Double-click opens it too.
    await p.dblclick('[data-index="4"]')
    await p.waitForSelector('[data-testid="zoom"]')
    await p.keyboard.press('Escape')
  })

  it('a label key pressed on a focused nav link does not relabel; a key with no class says so', async () => {
    const p = page()
    await p.click('[data-index="5"]')
    const before = classOf(5)
    await p.focus('nav >> text=Import')
    await p.keyboard.press('1')
    await ui.settled() // a relabel would be a request: this waits for it to be answered
    expect(classOf(5)).toBe(before)
    expect(p.url()).toMatch(/#\/browse/)
    await p.click('[data-index="5"]')
    await p.keyboard.press('5')
    await waitMessage(/^Key 5 gives no class: there are 4 classes \(keys 1–4\)\.$/)
    expect(classOf(5)).toBe(before)
  })

  it('shows a toast with Undo after each label; Undo and Redo buttons take it back and forth', async () => {
    const p = page()
    await p.click('[data-index="6"]')
    const before = classOf(6)
    await p.keyboard.press('4')
    await p.waitForSelector('[data-testid="toast"] >> text=Undo')
    expect(await p.textContent('[data-testid="toast"]')).toMatch(/→ triangle/)
    expect(classOf(6)).toBe('triangle')
    await ui.shot('v2-04-toast')
    await p.click('[data-testid="toast"] button:has-text("Undo")')
    await waitMessage(/^Undid 1 change$/)
    expect(classOf(6)).toBe(before)
    await p.click('button:has-text("Redo")')
    await waitMessage(/^Redid 1 change$/)
    expect(classOf(6)).toBe('triangle')
    await p.click('button:has-text("Undo")')
    await waitMessage(/^Undid 1 change$/)
  })

  it('renames, recolours, moves keys, merges and deletes classes, each undoable', async () => {
    const p = page()
    const cls = (name: string) => studio.labels.classes().find((c) => c.name === name)
    await p.click('button[aria-label="Edit class cross"]')
    await p.fill('input[aria-label="New name for cross"]', 'plus')
    await p.click('[data-testid="class-editor"] button:has-text("Rename")')
    await waitMessage(/Renamed “cross” to “plus”/)
    expect(cls('plus')).toBeTruthy()
    await ui.shot('v2-05-renamed')
    await p.click('button:has-text("Undo")')
    await waitMessage(/Undid the rename of “cross” to “plus”/)
    expect(cls('cross')).toBeTruthy()
    expect(cls('plus')).toBeUndefined()

    const was = cls('circle')!.color
    await p.fill('input[aria-label="Colour of circle"]', '#123456')
    await waitMessage(/New colour for “circle”/)
    expect(cls('circle')!.color).toBe('#123456')
    await p.click('button:has-text("Undo")')
    await waitMessage(/Undid the colour change/)
    expect(cls('circle')!.color).toBe(was)

    // circle's key down: key 1 gives cross now, and the order survives a reload.
    await p.click('button[aria-label="Edit class circle"]')
    await p.click('[data-testid="class-editor"] button:has-text("Key down")')
    await waitMessage(/“circle” is on key 2/)
    expect((await p.locator('.classes li .name').allTextContents()).slice(0, 2)).toEqual(['cross', 'circle'])
    await ui.shot('v2-06-class-editor')
    await p.reload()
    await p.waitForSelector('[data-index="0"]')
    expect((await p.locator('.classes li .name').allTextContents()).slice(0, 2)).toEqual(['cross', 'circle'])
    await p.click('[data-index="7"]')
    await p.keyboard.press('1')
    await waitMessage(/→ cross$/)
    expect(classOf(7)).toBe('cross')
    await p.click('button:has-text("Undo")') // the label
    await waitMessage(/^Undid 1 change$/)
    await p.click('button[aria-label="Edit class circle"]')
    await p.click('[data-testid="class-editor"] button:has-text("Key up")')
    await waitMessage(/“circle” is on key 1/)

    // Merge a new class into another, undo; delete it, undo.
    await p.fill('input[aria-label="New class name"]', 'tmp')
    await p.click('.add button:has-text("Add")')
    await waitMessage(/Class “tmp” added on key 5/)
    await p.click('[data-index="8"]')
    await p.keyboard.press('5')
    await waitMessage(/→ tmp$/)
    await p.click('button[aria-label="Edit class tmp"]')
    await p.selectOption('select[aria-label="Merge tmp into"]', { label: 'square' })
    await p.click('[data-testid="class-editor"] button:has-text("Merge")')
    await waitMessage(/Merged “tmp” into “square” \(1 image\)/)
    expect(cls('tmp')).toBeUndefined()
    expect(classOf(8)).toBe('square')
    await p.click('button:has-text("Undo")')
    await waitMessage(/^Undid 1 change$/)
    expect(cls('tmp')).toBeTruthy()
    expect(classOf(8)).toBe('tmp')
    await p.click('button[aria-label="Edit class tmp"]')
    await p.click('[data-testid="class-editor"] button:has-text("Delete…")')
    await p.click('[data-testid="class-editor"] button:has-text("Delete “tmp”")')
    await waitMessage(/Deleted “tmp”; 1 image unlabeled/)
    expect(cls('tmp')).toBeUndefined()
    expect(classOf(8)).toBeNull()
    await p.click('button:has-text("Undo")')
    await waitMessage(/^Undid 1 change$/)
    expect(classOf(8)).toBe('tmp')
  })

  it('"Label unlabeled" goes to the next unlabeled image after each key', async () => {
    const p = page()
    const items = studio.store.images.page({ limit: 1000 }).items
    const unlabeled = items.map((i, n) => [i, n] as const).filter(([i]) => i.classId === null)
    // Label the second unlabeled image elsewhere, so the next one is not simply the neighbour.
    const [[, first], [skip, skipped], [, third]] = unlabeled as [
      readonly [unknown, number],
      readonly [{ id: number }, number],
      readonly [unknown, number],
    ]
    studio.labels.setLabels([skip.id], 'circle')
    await p.reload()
    await p.waitForSelector('[data-index="0"]')
    await p.check('label:has-text("Label unlabeled") input')
    await reveal(first)
    await p.click(`[data-index="${first}"]`)
    await p.keyboard.press('2')
    await p.waitForFunction(
      (n) => document.querySelector('.tile.focused')?.getAttribute('data-index') === String(n),
      third,
    )
    expect(await focusedIndex()).not.toBe(skipped)
    await p.uncheck('label:has-text("Label unlabeled") input')
  })

  it('selects every image matching the filter and labels them at once', async () => {
    const p = page()
    const left = studio.stats().unlabeled
    expect(left).toBeGreaterThan(2)
    await p.selectOption('select[aria-label="Label filter"]', 'unlabeled')
    await showsCount(p, left)
    await p.click(`button:has-text("Select all ${left}")`)
    await waitMessage(new RegExp(`^${left} images selected$`))
    await p.keyboard.press('3')
    await waitMessage(new RegExp(`^${left} images → square`))
    expect(studio.stats().unlabeled).toBe(0)
    await p.click('[data-testid="toast"] button:has-text("Undo")')
    await waitMessage(/^Undid \d+ changes?$/)
    expect(studio.stats().unlabeled).toBe(left)
    await p.selectOption('select[aria-label="Label filter"]', 'all')
  })

  it('shows file names on tiles, collapses the side panels, and keeps both after a reload', async () => {
    const p = page()
    await reveal(0)
    await p.check('label:has-text("File names") input')
    const first = studio.store.images.page({ limit: 1 }).items[0]!
    await p.waitForFunction(
      (n) => document.querySelector('[data-index="0"] .file')?.textContent === n,
      first.originalName,
    )
    await p.click('button[aria-label="Hide the class panel"]')
    await p.click('button[aria-label="Hide the detail panel"]')
    await p.waitForSelector('.classes .row', { state: 'detached' })
    await ui.shot('v2-07-names-collapsed')
    await p.reload()
    await p.waitForSelector('[data-index="0"] .file')
    expect(await p.locator('.classes .row').count()).toBe(0)
    await p.click('button[aria-label="Show the class panel"]')
    await p.click('button[aria-label="Show the detail panel"]')
    await p.uncheck('label:has-text("File names") input')
    await p.waitForSelector('.classes .row')
  })

  it('lets the user change a key in the help, kept after a reload', async () => {
    const p = page()
    await p.click('[data-index="0"]')
    await p.keyboard.press('?')
    await p.waitForSelector('[role="dialog"][aria-labelledby="keys-title"]')
    await p.click('button[aria-label="Change the key for next image"]')
    await p.keyboard.press('l')
    await p.waitForFunction(() =>
      /L: next image/.test(document.querySelector('.foot [role="status"]')?.textContent ?? ''),
    )
    await ui.shot('v2-08-keys')
    await p.keyboard.press('Escape')
    await p.reload()
    await p.waitForSelector('[data-index="0"]')
    await p.click('[data-index="0"]')
    await p.keyboard.press('l')
    await p.waitForFunction(() => document.querySelector('.tile.focused')?.getAttribute('data-index') === '1')
    await p.keyboard.press('ArrowRight')
    await nextFrames(p)
    expect(await focusedIndex()).toBe(1)
    await p.keyboard.press('?')
    await p.click('button:has-text("Reset keys")')
    await p.keyboard.press('Escape')
  })

  it('filters by health finding (from ?finding=) and by suspects, passing both to the images request', async () => {
    const p = page()
    const asked = p.waitForRequest(
      (r) => r.url().includes('/api/call/images') && /"finding":"near-duplicate"/.test(r.postData() ?? ''),
    )
    await p.goto(`${new URL(ui.server.url).origin}/#/browse?finding=near-duplicate`)
    await asked
    await p.waitForSelector('[data-testid="finding-filter"]')
    expect(await p.inputValue('[data-testid="finding-filter"]')).not.toBe('')
    const suspects = p.waitForRequest(
      (r) => r.url().includes('/api/call/images') && /"suspects":true/.test(r.postData() ?? ''),
    )
    await p.check('label:has-text("Suspect labels") input')
    await suspects
    await p.uncheck('label:has-text("Suspect labels") input')
    await p.selectOption('[data-testid="finding-filter"]', { label: 'Any health' })
    await p.waitForFunction(() => !location.hash.includes('finding='))
  })

  it('says which images the predictions lens covers', async () => {
    const p = page()
    await p.selectOption('select[aria-label="Predictions of run"]', { label: 'Predictions of run 1' })
    const covered = studio.store.images.count({ runId: 1, minConfidence: 0 })
    const total = studio.store.images.total()
    await p.waitForFunction(
      (want) => (document.querySelector('[data-testid="lens-note"]')?.textContent ?? '').includes(want),
      `${covered} of ${total} images show a prediction`,
    )
    expect(await p.textContent('[data-testid="lens-note"]')).toMatch(/Run 1 predicted its (test|validation) split only/)
    await ui.shot('v2-09-lens')
    await p.selectOption('select[aria-label="Predictions of run"]', { label: 'No predictions' })
    expect(await toolsText(p)).toMatch(/images/)
  })
})
