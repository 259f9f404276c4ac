/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { Studio } from '../../main/engine/studio'
import { tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/** The pixels the overlay's canvas shows, as a data URL (equal URLs: the same picture). */
const canvasPixels = (p: Page, scope: string) =>
  p.$eval(`${scope} [data-testid="explain-canvas"]`, (c) => (c as HTMLCanvasElement).toDataURL())

/** Waits until the overlay under `scope` shows the map of `className` (or any, without one) and is idle. */
async function shown(p: Page, scope: string, className?: string) {
  await p.waitForFunction(
    ([s, c]) => {
      const root = document.querySelector(`${s} [data-testid="explain"]`)
      const what = root?.querySelector('[data-testid="explain-what"] strong')?.textContent
      return Boolean(what && (!c || what === c) && !root?.querySelector('[role="status"]'))
    },
    [scope, className ?? ''] as const,
  )
}

/** Chooses the first class that is not the one shown; returns its name. */
async function otherClass(p: Page, scope: string): Promise<string> {
  const select = `${scope} [data-testid="explain-class"]`
  const now = await p.inputValue(select)
  const names = await p.$$eval(`${select} option`, (os) => os.map((o) => (o as HTMLOptionElement).value))
  const other = names.find((n) => n !== now)!
  await p.selectOption(select, other)
  return other
}

/** Save PNG: the download's name and its size as a PNG. */
async function savePng(p: Page, scope: string) {
  const [download] = await Promise.all([p.waitForEvent('download'), p.click(`${scope} [data-testid="explain-save"]`)])
  const meta = await sharp(fs.readFileSync((await download.path())!)).metadata()
  return { name: download.suggestedFilename(), format: meta.format, size: [meta.width, meta.height] }
}

describe.skipIf(!haveChromium)('Where the model looks (Chromium against browser mode)', () => {
  const root = tmpDir()
  let ui: StudioPage
  let runId: number
  const wide = path.join(root, 'wide-circle.png')

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 12)
    const studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    runId = await trainInProcess(studio, { epochs: 3, inputSize: 32, workers: 1 })
    studio.close()
    // A landscape file for Try: the run covers its centre square, the PNG keeps its own 120 × 80.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="100%" height="100%"
      fill="#dde"/><circle cx="60" cy="40" r="22" fill="#c33"/></svg>`
    await sharp(Buffer.from(svg)).png().toFile(wide)
    ui = await openStudioPage(path.join(root, 'proj'), path.join(root, 'recent.json'))
  }, 180_000)
  afterAll(() => ui?.close())

  it('the detail panel and the large view: opacity, another class, Save PNG, accessible in both themes', async () => {
    const p = ui.page
    await p.goto(ui.server.url)
    await p.waitForSelector('[data-index="0"]')
    await p.click('[data-testid="explain-toggle"]')
    await shown(p, '.detail')
    expect(await p.textContent('[data-testid="explain-toggle"]')).toContain(`run ${runId}`)
    expect(await p.inputValue('.detail [data-testid="explain-class"]')).not.toBe('')
    const first = await canvasPixels(p, '.detail')

    // The slider by keyboard: 60 % → 50 %, and the heat map is drawn fainter.
    await p.focus('.detail [data-testid="explain-opacity"]')
    await p.keyboard.press('ArrowLeft')
    await p.keyboard.press('ArrowLeft')
    expect(await p.textContent('.detail .explain output')).toBe('50 %')
    const fainter = await canvasPixels(p, '.detail')
    expect(fainter).not.toBe(first)

    const other = await otherClass(p, '.detail')
    await shown(p, '.detail', other)
    expect(await canvasPixels(p, '.detail')).not.toBe(fainter)

    const png = await savePng(p, '.detail')
    expect(png.format).toBe('png')
    expect(png.size).toEqual([64, 64])
    expect(png.name).toMatch(new RegExp(`-${other}-where-the-model-looks\\.png$`))
    await ui.shot('explain-detail-light')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('explain-detail-dark')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'light' })

    // The large view: the heat map at full size; the slider's arrow keys stay the slider's.
    await p.click('[data-index="1"]')
    await p.keyboard.press('Enter')
    await p.waitForSelector('[data-testid="zoom"]')
    // It opens the way the detail pane shows the image: with the heat map.
    expect(await p.getAttribute('[data-testid="zoom-explain"]', 'aria-pressed')).toBe('true')
    await shown(p, '[data-testid="zoom"]')
    expect(await p.inputValue('[data-testid="zoom"] [data-testid="explain-class"]')).not.toBe('')
    const position = await p.textContent('[data-testid="zoom"] header .muted')
    await p.focus('[data-testid="zoom"] [data-testid="explain-opacity"]')
    await p.keyboard.press('ArrowRight')
    expect(await p.textContent('[data-testid="zoom"] .explain output')).toBe('65 %')
    expect(await p.textContent('[data-testid="zoom"] header .muted')).toBe(position)
    await ui.shot('explain-zoom-light')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('explain-zoom-dark')
    await p.emulateMedia({ colorScheme: 'light' })
    await p.keyboard.press('Escape')
    await p.waitForSelector('[data-testid="zoom"]', { state: 'detached' })
  }, 180_000)

  it('Evaluate: a confusion-matrix cell’s image opens large with the heat map', async () => {
    const p = ui.page
    await p.click('nav >> text=Evaluate')
    await p.waitForSelector('[data-testid="confusion"] [data-cell]')
    const cell = await p.$$eval('[data-testid="confusion"] [data-cell]', (bs) =>
      bs.find((b) => b.textContent?.trim() !== '0')?.getAttribute('data-cell'),
    )
    await p.click(`[data-cell="${cell}"]`)
    await p.click('[data-testid="cell-gallery"] [data-testid="gallery-explain"]')
    await shown(p, '[data-testid="zoom"]')
    await ui.shot('explain-evaluate')
    expect(await axeProblems(p)).toEqual([])
    await p.keyboard.press('Escape')
  }, 120_000)

  it('Try the model: an uploaded file’s heat map over its centre square, another class, Save PNG', async () => {
    const p = ui.page
    await p.click('nav >> text=Try the model')
    await p.setInputFiles('[data-testid="file-input"]', wide)
    await p.click('[data-testid="try-results"] li:first-child [data-testid="try-explain"]')
    const scope = '[data-testid="try-results"] li:first-child'
    await shown(p, scope)
    const size = await p.$eval(`${scope} [data-testid="explain-canvas"]`, (c) => {
      const canvas = c as HTMLCanvasElement
      return [canvas.width, canvas.height]
    })
    expect(size[0]! / size[1]!).toBeCloseTo(1.5, 2)
    const before = await canvasPixels(p, scope)
    const other = await otherClass(p, scope)
    await shown(p, scope, other)
    expect(await canvasPixels(p, scope)).not.toBe(before)
    const png = await savePng(p, scope)
    expect(png).toMatchObject({ format: 'png', size: [120, 80] })
    expect(png.name).toBe(`wide-circle-${other}-where-the-model-looks.png`)
    await ui.shot('explain-try-light')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'dark' })
    await ui.shot('explain-try-dark')
    expect(await axeProblems(p)).toEqual([])
    await p.emulateMedia({ colorScheme: 'light' })
  }, 120_000)

  it('says plainly when the run’s model files are gone', async () => {
    const p = ui.page
    const model = path.join(root, 'proj', 'runs', String(runId), 'model')
    fs.renameSync(model, model + '.away')
    try {
      await p.click('button:has-text("Clear")')
      await p.click('button:has-text("Try 4 project images")')
      await p.waitForSelector('[data-testid="try-results"] li:first-child [data-testid="try-explain"]')
      await p.click('[data-testid="try-results"] li:first-child [data-testid="try-explain"]')
      await p.waitForSelector('[data-testid="try-results"] li:first-child [data-testid="explain-error"]')
      expect(await p.textContent('[data-testid="try-results"] li:first-child [data-testid="explain-error"]')).toMatch(
        new RegExp(`Cannot show where the model looks: run ${runId} has no model files`),
      )
      await ui.shot('explain-error')
    } finally {
      fs.renameSync(model + '.away', model)
    }
  })
})
