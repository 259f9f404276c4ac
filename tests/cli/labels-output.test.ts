import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../main/cli/index'
import { plural } from '../../main/engine/plural'
import { makeImages, tmpDir } from '../helpers/fixtures'

/** Runs the CLI in-process, capturing what it writes. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true))
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true))
  try {
    const code = await main(['node', 'studio', ...args])
    return { code, out, err }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}

describe('CLI messages say what happened, with counts in the right number', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const p = ['--project', proj]

  beforeAll(async () => {
    await makeImages(path.join(root, 'one', 'bees'), 1, 0)
    await makeImages(path.join(root, 'two'), 2, 10)
    expect((await run(['init', proj])).code).toBe(0)
  })

  it('plural() counts in the right number', () => {
    expect([plural(0, 'image'), plural(1, 'image'), plural(2, 'image'), plural(1, 'class', 'classes')]).toEqual([
      '0 images',
      '1 image',
      '2 images',
      '1 class',
    ])
  })

  it('import, label, undo: "1 image", "2 images", never "image(s)"', async () => {
    expect((await run(['import', path.join(root, 'one'), ...p])).out).toMatch(/^Imported: 1 new image from /)
    expect((await run(['import', path.join(root, 'two'), ...p])).out).toMatch(/^Imported: 2 new images from /)
    const ids = ['1', '2', '3']
    expect((await run(['label', 'set', 'bees', ids[1]!, ...p])).out).toBe('1 image labeled bees\n')
    expect((await run(['label', 'set', 'bees', ...ids, ...p])).out).toBe('1 image labeled bees\n')
    expect((await run(['label', 'set', 'bees', ...ids, ...p])).out).toBe('Nothing changed\n')
    expect((await run(['label', 'clear', ids[1]!, ids[2]!, ...p])).out).toBe('2 images cleared\n')
    expect((await run(['label', 'undo', ...p])).out).toBe('Undid clear of 2 images\n')
  })

  it('deleting a class says so, also when it had no images; a refusal counts its images', async () => {
    expect((await run(['classes', 'add', 'wasps', ...p])).code).toBe(0)
    const del = await run(['classes', 'delete', 'wasps', ...p])
    expect([del.code, del.out]).toEqual([0, 'Deleted class wasps\n'])
    expect((await run(['classes', 'add', 'hornets', ...p])).code).toBe(0)
    expect((await run(['label', 'set', 'hornets', '1', ...p])).code).toBe(0)
    const refused = await run(['classes', 'delete', 'hornets', ...p])
    expect(refused.err).toMatch(/^studio: class "hornets" has 1 labeled image: choose to unlabel it or merge it/)
    expect((await run(['classes', 'delete', 'hornets', '--merge-into', 'bees', ...p])).out).toBe(
      'Deleted class hornets (1 image moved to bees)\n',
    )
    expect((await run(['classes', 'delete', 'bees', '--unlabel', ...p])).out).toBe(
      'Deleted class bees (3 images unlabeled)\n',
    )
    expect((await run(['classes', 'delete', 'nothing', ...p])).err).toMatch(/does not exist/)
  })
})
