import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { balanceFindings, leakingGroups, outlierFindings, type ImageFacts } from '../../../main/engine/health/findings'
import { signalsOf } from '../../../main/engine/health/signals'
import { scene } from '../../helpers/scenes'

describe('outlier findings on generated images with known defects', () => {
  it('flags exactly the blurry, dark, bright, grayscale, tiny and stretched images', async () => {
    const facts: ImageFacts[] = []
    const add = async (id: number, buf: Buffer) => {
      const meta = await sharp(buf).metadata()
      facts.push({ id, width: meta.width!, height: meta.height!, signals: await signalsOf(buf) })
    }
    for (let i = 0; i < 40; i++) await add(i + 1, await scene(300 + i))
    await add(
      101,
      await sharp(await scene(1))
        .blur(6)
        .jpeg()
        .toBuffer(),
    )
    await add(
      102,
      await sharp(await scene(2))
        .blur(8)
        .jpeg()
        .toBuffer(),
    )
    await add(
      103,
      await sharp(await scene(3))
        .linear(0.1, 0)
        .jpeg()
        .toBuffer(),
    )
    await add(
      104,
      await sharp(await scene(4))
        .linear(0.1, 235)
        .jpeg()
        .toBuffer(),
    )
    await add(
      105,
      await sharp(await scene(5))
        .greyscale()
        .jpeg()
        .toBuffer(),
    )
    await add(
      106,
      await sharp(await scene(6))
        .resize(24, 20)
        .png()
        .toBuffer(),
    )
    await add(107, await scene(7, 900, 200))
    const byKind = Object.fromEntries(outlierFindings(facts).map((f) => [f.kind, f.images]))
    expect(byKind['outlier-blurry']).toEqual([101, 102])
    expect(byKind['outlier-dark']).toEqual([103])
    expect(byKind['outlier-bright']).toEqual([104])
    expect(byKind['outlier-grayscale']).toEqual([105])
    expect(byKind['outlier-small']).toEqual([106])
    expect(byKind['outlier-aspect']).toEqual([107])
  })

  it('does not call grayscale odd in a grayscale project', () => {
    const sig = (colourfulness: number) => ({ phash: '0'.repeat(16), brightness: 100, colourfulness, sharpness: 100 })
    const facts = Array.from({ length: 10 }, (_, i) => ({ id: i, width: 64, height: 64, signals: sig(i < 8 ? 0 : 40) }))
    expect(outlierFindings(facts).map((f) => f.kind)).not.toContain('outlier-grayscale')
  })
})

describe('class balance', () => {
  const imagesOf = (name: string) => (name === 'wasp' ? [7, 8] : [])
  it('reports empty and small classes and the imbalance with suggested weights', () => {
    const f = balanceFindings(
      [
        { name: 'ant', count: 120 },
        { name: 'bee', count: 40 },
        { name: 'wasp', count: 2 },
        { name: 'moth', count: 0 },
      ],
      imagesOf,
    )
    const kinds = Object.fromEntries(f.map((x) => [x.kind, x]))
    expect(kinds['empty-class']!.classes).toEqual(['moth'])
    expect(kinds['small-class']!.classes).toEqual(['wasp'])
    expect(kinds['small-class']!.images).toEqual([7, 8])
    expect(kinds['class-imbalance']!.classes).toEqual(['wasp'])
    // total 162 over 3 classes: wasp weight 162 / (3 · 2) = 27.
    expect(kinds['class-imbalance']!.detail).toContain('wasp 27.00')
  })

  it('says nothing about a balanced project', () => {
    expect(
      balanceFindings(
        [
          { name: 'a', count: 50 },
          { name: 'b', count: 30 },
        ],
        imagesOf,
      ),
    ).toEqual([])
  })
})

describe('split leakage', () => {
  it('keeps the groups that cross splits', () => {
    const split = new Map([
      [1, 'train'],
      [2, 'val'],
      [3, 'train'],
      [4, 'train'],
      [5, 'test'],
    ])
    expect(
      leakingGroups(
        [
          [1, 2],
          [3, 4],
          [4, 6],
          [5, 1],
        ],
        split,
      ),
    ).toEqual([
      [1, 2],
      [5, 1],
    ])
  })
})
