import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { heatColour, heatRgba } from '../../../main/engine/explain/overlay'

/** The page's side, renderer/src/composables/explain.ts: the functions compared here. */
interface PageOverlay {
  heatColour(t: number): [number, number, number]
  heatPixels(map: Uint8Array, opacity: number): Uint8ClampedArray
}

/**
 * The page draws the heat map itself (the renderer may not import the engine); what it shows must be
 * what `studio explain` and Save PNG write. The type-check projects of the engine and the renderer may
 * not include each other's files, so the page's module is loaded by path (vitest runs both).
 */
async function pageOverlay(): Promise<PageOverlay> {
  const file = path.resolve(import.meta.dirname, '../../../renderer/src/composables/explain.ts')
  const mod: PageOverlay = await import(file)
  return mod
}

describe('the page’s overlay and the CLI’s', () => {
  it('use the same colour at every heat, and the same pixels for a map (± 1 of rounding)', async () => {
    const page = await pageOverlay()
    for (let t = -0.5; t <= 1.5; t += 0.01) expect(page.heatColour(t)).toEqual(heatColour(t))
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    for (const opacity of [0, 0.35, 0.7, 1]) {
      const engine = heatRgba({ map: Float32Array.from(bytes, (b) => b / 255), width: 16, height: 16 }, opacity)
      const drawn = page.heatPixels(bytes, opacity)
      expect(drawn).toHaveLength(engine.length)
      // The engine's map is float32 and the page's bytes: a value on a rounding edge may land one apart.
      expect(Math.max(...Array.from(drawn, (v, i) => Math.abs(v - engine[i]!)))).toBeLessThanOrEqual(1)
    }
  })
})
