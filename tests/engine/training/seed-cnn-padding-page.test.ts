import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { gridPadding, seedCnnPreset, seedCnnShape } from '../../../main/engine/training/presets/seed-cnn'

/** The page's side, renderer/src/composables/train-recipe.ts: the functions compared here. */
interface PagePadding {
  seedCnnGrid(size: number, samePadding: number): number
  autoPadding(size: number): number
}

/**
 * The Train form names what Auto picks and the grid a choice leaves (the renderer may not import the
 * engine); both must be what the engine trains. The type-check projects of the engine and the renderer
 * may not include each other's files, so the page's module is loaded by path (vitest runs both).
 */
async function pagePadding(): Promise<PagePadding> {
  const file = path.resolve(import.meta.dirname, '../../../renderer/src/composables/train-recipe.ts')
  const mod: PagePadding = await import(file)
  return mod
}

describe('the Train form’s zero-padded convolutions and the engine’s', () => {
  it('give the same grid for every padding and the same Auto pick at every input size the seed CNN takes', async () => {
    const page = await pagePadding()
    const { min, max } = seedCnnPreset.inputSize
    expect([min, max]).toEqual([24, 224])
    for (let size = min; size <= max; size++) {
      expect(page.autoPadding(size), `${size} px`).toBe(gridPadding(size))
      for (let n = 0; n <= 3; n++)
        expect(page.seedCnnGrid(size, n), `${size} px, ${n}`).toBe(seedCnnShape(size, n).grid)
    }
  })
})
