import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { SHAPES, writeShapes } from '../../../main/engine/sample/shapes'
import { tmpDir } from '../../helpers/fixtures'

const files = (dir: string) =>
  SHAPES.flatMap((s) =>
    fs
      .readdirSync(path.join(dir, s))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, s, f))),
  )

describe('the sample shapes', () => {
  // Tests compare training runs on these images (one thread against two, recipes against each other):
  // unseeded noise gave each test process another set, and a run's rounding noise another path.
  it('are the same files for the same seed, other files for another', async () => {
    const root = tmpDir()
    await writeShapes(path.join(root, 'a'), 2, 7)
    await writeShapes(path.join(root, 'b'), 2, 7)
    await writeShapes(path.join(root, 'c'), 2, 8)
    const [a, b, c] = ['a', 'b', 'c'].map((d) => files(path.join(root, d)))
    expect(a).toHaveLength(8)
    a!.forEach((f, i) => expect(f.equals(b![i]!), `file ${i}`).toBe(true))
    expect(a!.some((f, i) => !f.equals(c![i]!))).toBe(true)
  })
})
