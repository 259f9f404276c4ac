/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { thumbFile } from '../../main/engine/media/formats'
import type { JobKind, StudioEvent } from '../../preload/contract'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/**
 * The Settings view (privacy settings, Check the project with progress, Back up) and the Health view's GPS
 * line, in Chromium.
 */
describe.skipIf(!haveChromium)('Settings and the GPS count (Chromium against browser mode)', () => {
  const root = tmpDir()
  const dir = path.join(root, 'proj')
  let ui: StudioPage
  let holding: ((e: StudioEvent) => boolean) | null = null
  const held: string[] = []
  let toPage: (m: string) => void = () => {}
  /** Holds back the page's events of one job's end (its result and job-finished) until `release`. */
  const hold = (kind: JobKind, result: StudioEvent['type']) =>
    (holding = (e) => e.type === result || (e.type === 'job-finished' && e.kind === kind))
  /** A screenshot with `testid`'s element scrolled into view (the view is longer than the window). */
  const shotOf = async (name: string, testid: string) => {
    await ui.page.locator(`[data-testid="${testid}"]`).evaluate((el) => el.scrollIntoView({ block: 'end' }))
    await ui.shot(name)
  }
  const release = () => {
    holding = null
    for (const m of held.splice(0)) toPage(m)
  }

  beforeAll(async () => {
    const src = path.join(root, 'photos')
    await makeImages(path.join(src, 'plain'), 3)
    for (const i of [0, 1]) {
      fs.mkdirSync(path.join(src, 'trips'), { recursive: true })
      await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90 * i, g: 120, b: 30 } } })
        .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1' } })
        .jpeg()
        .toFile(path.join(src, 'trips', `t${i}.jpg`))
    }
    const s = Studio.init(dir)
    await s.import(src)
    s.close()
    ui = await openStudioPage(dir, path.join(root, 'recent.json'))
    // The events socket passes through here, so a job's end can be held back while its progress shows.
    await ui.page.routeWebSocket(/\/api\/events/, (ws) => {
      const server = ws.connectToServer()
      toPage = (m) => ws.send(m)
      server.onMessage((m) => {
        if (holding?.(JSON.parse(String(m)) as StudioEvent)) held.push(String(m))
        else ws.send(m)
      })
    })
  }, 120_000)
  afterAll(() => ui?.close())

  it('Health says how many originals carry GPS', async () => {
    const p = ui.page
    await p.goto(ui.server.url + '#/health')
    await p.waitForSelector('[data-testid="health-gps"]')
    expect(await p.textContent('[data-testid="health-gps"]')).toContain('2 stored originals carry a GPS position')
    await ui.shot('health-gps')
  })

  it('changes the privacy settings, offering to forget stored paths, and checks the project', async () => {
    const p = ui.page
    await p.click('nav >> text=Settings')
    await p.waitForSelector('[data-testid="settings-gps"]')
    expect(await p.isChecked('[data-testid="strip-keep"]')).toBe(true)
    expect(await p.isVisible('[data-testid="forget-stored"]')).toBe(false)
    await p.check('[data-testid="strip-gps"]')
    await p.check('[data-testid="paths-forget"]')
    await p.waitForSelector('[data-testid="forget-stored"]')
    expect(await axeProblems(p)).toEqual([])
    await ui.shot('settings-before-save')
    await p.click('[data-testid="settings-save"]')
    await p.waitForSelector('[data-testid="settings-message"]')
    expect(await p.textContent('[data-testid="settings-message"]')).toContain(
      'Forgot the stored path of 1 earlier import',
    )
    expect(await p.isVisible('[data-testid="forget-stored"]')).toBe(false)

    const s = Studio.open(dir)
    const { thumb, original } = (() => {
      try {
        expect(s.store.privacy.setting('stripMetadata')).toBe('gps')
        expect(s.store.imports.batches()[0]!.source).toMatch(/^…\/photos \[/)
        const imgs = s.store.images.page({ limit: 10 }).items
        return {
          thumb: { file: thumbFile(s.project.paths.thumbs, imgs[0]!.hash), name: imgs[0]!.relPath },
          original: { file: s.originalPath(imgs[1]!), name: imgs[1]!.relPath },
        }
      } finally {
        s.close()
      }
    })()
    fs.rmSync(thumb.file)
    fs.appendFileSync(original.file, 'damage')
    hold('check', 'check-finished')
    await p.click('[data-testid="check-project"]')
    // Progress in originals with Cancel while it runs (its end is held back, so this state stays).
    await p.waitForSelector('[data-testid="check-progress-text"] >> text=5 of 5 originals verified')
    expect(await p.isVisible('[data-testid="check-cancel"]')).toBe(true)
    expect(await p.isDisabled('[data-testid="check-project"]')).toBe(true)
    await shotOf('settings-check-progress', 'check-progress')
    release()
    await p.waitForSelector('[data-testid="check-result"]')
    const text = (await p.textContent('[data-testid="check-result"]')) ?? ''
    expect(text).toContain('1 thumbnail made again')
    expect(text).toContain('1 problem could not be repaired')
    const problem = (await p.textContent('[data-testid="check-problem"]')) ?? ''
    expect(problem).toContain(original.name)
    expect(problem).toContain(original.file)
    expect(await p.textContent('[data-testid="check-repaired"]')).toContain(`${thumb.name}: thumbnail made again`)
    expect(fs.existsSync(thumb.file)).toBe(true)
    expect(await axeProblems(p)).toEqual([])
    await shotOf('settings-checked', 'check-result')
  })

  it('backs up to the default file with progress, asks before replacing it, and names a refusal', async () => {
    const p = ui.page
    const day = new Date().toISOString().slice(0, 10)
    const file = path.join(root, `proj-backup-${day}.tar`)
    expect(await p.inputValue('[data-testid="backup-file"]')).toBe(file)
    hold('backup', 'backup-finished')
    await p.click('[data-testid="backup"]')
    await p.waitForSelector('[data-testid="backup-progress"]')
    await shotOf('settings-backup-progress', 'backup-progress')
    release()
    await p.waitForSelector('[data-testid="backup-result"]')
    const done = (await p.textContent('[data-testid="backup-result"]')) ?? ''
    expect(done).toContain(`Backed up 5 images and 0 runs:`)
    expect(done).toContain(`written to ${file}.`)
    expect(fs.statSync(file).size).toBeGreaterThan(0)
    await shotOf('settings-backed-up', 'backup-result')
    await p.emulateMedia({ colorScheme: 'dark' })
    expect(await axeProblems(p)).toEqual([]) // the results of both, in the dark theme
    await shotOf('settings-backed-up-dark', 'backup-result')
    await p.emulateMedia({ colorScheme: 'light' })

    // The same file again: a question, not an error; replaced once confirmed.
    await p.click('[data-testid="backup"]')
    await p.waitForSelector('[data-testid="backup-confirm"]')
    expect(await p.textContent('[data-testid="backup-confirm"]')).toContain(`${file} already exists. Replace it?`)
    expect(await axeProblems(p)).toEqual([])
    await shotOf('settings-backup-confirm', 'backup-confirm')
    await p.click('[data-testid="backup-replace"]')
    await p.waitForSelector('[data-testid="backup-result"] >> text=replacing the earlier backup')

    const nowhere = path.join(root, 'no', 'such', 'b.tar')
    await p.fill('[data-testid="backup-file"]', nowhere)
    await p.click('[data-testid="backup"]')
    await p.waitForSelector('[data-testid="backup-error"]')
    expect(await p.textContent('[data-testid="backup-error"]')).toContain(
      `Not backed up: the folder for the backup, ${path.dirname(nowhere)}, does not exist`,
    )
    await shotOf('settings-backup-error', 'backup-error')
  })
})
