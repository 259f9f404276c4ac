import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { PixelBudget } from '../../../main/engine/media/decode-budget'
import { Studio } from '../../../main/engine/studio'
import { makeImage, tmpDir } from '../../helpers/fixtures'

const root = tmpDir()
const tick = () => new Promise((r) => setImmediate(r))

describe('PixelBudget', () => {
  it('holds at most its limit, first come first served; an image over the limit runs alone', async () => {
    const budget = new PixelBudget(100)
    const order: string[] = []
    const a = await budget.acquire(60)
    const big = budget.acquire(500).then((r) => (order.push('big'), r))
    const small = budget.acquire(10).then((r) => (order.push('small'), r))
    await tick()
    // 10 would fit next to 60, but the big one came first and is not overtaken.
    expect([budget.inUse, budget.queued, order]).toEqual([60, 2, []])
    a()
    const releaseBig = await big
    expect([budget.inUse, order]).toEqual([100, ['big']])
    releaseBig()
    releaseBig() // a second call gives nothing back twice
    const releaseSmall = await small
    expect([budget.inUse, budget.peak, order]).toEqual([10, 100, ['big', 'small']])
    releaseSmall()
    expect(budget.inUse).toBe(0)
  })

  it('gives the pixels back when the work throws', async () => {
    const budget = new PixelBudget(10)
    await expect(budget.run(5, () => Promise.reject(new Error('bad image')))).rejects.toThrow('bad image')
    expect(budget.inUse).toBe(0)
  })
})

/** `n` distinct truncated copies of a 9999×9999 PNG: a header that passes, a decode that is huge. */
async function bombs(dir: string, n: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true })
  const png = await sharp({ create: { width: 9999, height: 9999, channels: 3, background: '#808080' } })
    .png()
    .toBuffer()
  const cut = png.subarray(0, Math.floor(png.length * 0.6))
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `bomb-${i}.png`), Buffer.concat([cut, Buffer.from([i])]))
}

describe('import decode memory', () => {
  it('decodes no more pixels at once than the budget, and imports small images alongside', async () => {
    const src = path.join(root, 'mixed')
    await bombs(src, 3)
    for (let i = 0; i < 6; i++) await makeImage(path.join(src, `small-${i}.jpg`), i)
    const studio = Studio.init(path.join(root, 'proj-mixed'))
    try {
      const budget = new PixelBudget(100e6)
      const summary = await studio.import(src, { concurrency: 9, decodeBudget: budget })
      expect([summary.imported, summary.errors]).toEqual([6, 3])
      expect(budget.peak).toBeLessThanOrEqual(100e6)
      expect(budget.peak).toBeGreaterThan(99e6) // each bomb held (nearly) the whole budget
      expect(budget.inUse).toBe(0)
    } finally {
      studio.close()
    }
  }, 120_000)

  it('a folder of decompression bombs stays within a few hundred MB (peak RSS of the importing process)', async () => {
    const src = path.join(root, 'bombs')
    await bombs(src, 12)
    const proj = path.join(root, 'proj-bombs')
    Studio.init(proj).close()
    const child = path.join(import.meta.dirname, 'import-rss.child.ts')
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, proj, src, '8'], {
      encoding: 'utf8',
      timeout: 300_000,
    })
    expect(r.status, r.stderr).toBe(0)
    const { errors, before, peak } = JSON.parse(r.stdout) as { errors: number; before: number; peak: number }
    expect(errors).toBe(12)
    // Without the budget, 12 of these decoding at once added ≈ 950 MB; one at a time adds ≈ 160 MB.
    expect((peak - before) / 1e6).toBeLessThan(300)
  }, 300_000)
})
