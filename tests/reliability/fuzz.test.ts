import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { dispatch, httpStatus } from '../../main/engine/api/dispatch'
import { AppSession } from '../../main/engine/session'
import { csvCell } from '../../main/engine/export-data/data-files'
import { unquoteCell } from '../../main/engine/media/csv'
import { Studio } from '../../main/engine/studio'
import { fuzzLine, runFuzz } from './fuzz/suite'

/**
 * The reduced bad-input suite (bench/fuzz.ts runs ≥ 1,000 malformed files and more payloads): a
 * malformed corpus through `studio import`, hostile CSVs, fast-check payloads for every request
 * over HTTP and IPC, raw malformed traffic. Plus the bugs it found, one case each.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-fuzz-test-'))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('bad input everywhere', () => {
  it('0 crashes, 0 good images lost, each bad file listed once, 0 answers 500, the server stays up', async () => {
    const lines: string[] = []
    const s = await runFuzz({
      root: path.join(root, 'suite'),
      bad: 100,
      good: 12,
      runsPerMethod: 3,
      raw: 5,
      seed: 5,
      trainRun: false,
      log: (l) => lines.push(l),
    })
    // As root without setpriv, chmod 000 cannot deny a read: say so rather than pass silently.
    for (const n of s.notes.filter((x) => /does not deny/.test(x))) console.warn(n)
    const report = [...lines, ...s.failures, fuzzLine(s)].join('\n')
    expect(s.files, report).toBeGreaterThan(150)
    expect(s.failures, report).toEqual([])
    expect(s.peakRssMb, report).toBeLessThan(600)
    expect(fuzzLine(s)).toMatch(/crashes=0 good_lost=0 requests=\d+ status_500=0 server_down=0$/)
  }, 120_000)
})

describe('what the fuzz found', () => {
  const session = () =>
    new AppSession({ shell: 'browser', onEvent: () => {}, recentFile: path.join(root, 'recent.json') })

  it('createProject under a file system that refuses answers 400 at once (recursive mkdir spun forever)', async () => {
    const s = session()
    const t0 = Date.now()
    const reply = await dispatch(s.api, 'createProject', { path: '/proc/forbidden/x' })
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(reply).toMatchObject({
      error: { name: 'ValidationError', message: expect.stringMatching(/cannot create \/proc\/forbidden/) },
    })
    expect(httpStatus(reply)).toBe(400)
    const long = await dispatch(s.api, 'createProject', { path: path.join(root, 'x'.repeat(300)) })
    expect(httpStatus(long)).toBe(400)
  })

  it('a label check on one labeled class is a refusal naming why, not a 500', async () => {
    const dir = path.join(root, 'one-class')
    const img = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123456' } })
      .png()
      .toBuffer()
    fs.mkdirSync(path.join(root, 'one-src', 'only'), { recursive: true })
    fs.writeFileSync(path.join(root, 'one-src', 'only', 'a.png'), img)
    const studio = Studio.init(dir)
    await studio.import(path.join(root, 'one-src'))
    studio.close()
    const s = session()
    s.open(dir)
    const reply = await dispatch(s.api, 'startLabelCheck', {})
    s.close()
    expect(reply).toMatchObject({ error: { message: expect.stringMatching(/backbone|at least two classes/) } })
    expect(httpStatus(reply)).toBeGreaterThanOrEqual(400)
    expect(httpStatus(reply)).toBeLessThan(500)
  })

  it('a label check without any backbone is a refusal (409), not a 500', () => {
    expect(httpStatus({ error: { name: 'NoBackboneError', message: 'no backbone' } })).toBe(409)
  })

  it('formula-like CSV cells come back as they were after the spreadsheet-safe quote', () => {
    for (const v of ['=1+2', '+cmd', '-2', '@SUM(A1)', "'=already", "''+x", 'cat', "it's"]) {
      const cell = csvCell(v)
      expect(cell).not.toMatch(/^"?[=+\-@\t\r]/)
      expect(unquoteCell(cell.replace(/^"|"$/g, '').replace(/""/g, '"'))).toBe(v)
    }
  })
})
