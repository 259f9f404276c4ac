import { describe, expect, it } from 'vitest'
import {
  canvasSize,
  classOptions,
  decodeMap,
  explainRun,
  heatColour,
  heatPixels,
  mapRect,
  pngName,
} from '../../renderer/src/composables/explain'

// That these equal the CLI's overlay is checked in tests/engine/explain/page-overlay.test.ts (the engine side).
describe('the overlay’s colour map', () => {
  it('goes cold blue to hot red, with cold parts mostly clear and opacity scaling alpha', () => {
    const [r0, , b0] = heatColour(0)
    const [r1, , b1] = heatColour(1)
    expect(b0).toBeGreaterThan(r0)
    expect(r1).toBeGreaterThan(b1)
    const px = heatPixels(Uint8Array.of(0, 255), 1)
    expect(px[3]).toBe(64)
    expect(px[7]).toBe(255)
    expect(heatPixels(Uint8Array.of(255), 0.5)[3]).toBe(128)
    expect(heatPixels(Uint8Array.of(255), 0)[3]).toBe(0)
  })

  it('reads the response’s base64 map back as bytes', () => {
    expect(Array.from(decodeMap(btoa(String.fromCharCode(0, 17, 128, 255))))).toEqual([0, 17, 128, 255])
  })
})

describe('where the map lies over the image', () => {
  it('cover: the centre square of the short side, for landscape and portrait images', () => {
    expect(mapRect(300, 200, 'cover')).toEqual({ x: 50, y: 0, side: 200 })
    expect(mapRect(200, 300, 'cover')).toEqual({ x: 0, y: 50, side: 200 })
  })

  it('contain: a square of the long side centred, reaching past the short sides (the padding)', () => {
    expect(mapRect(300, 200, 'contain')).toEqual({ x: 0, y: -50, side: 300 })
    expect(mapRect(200, 300, 'contain')).toEqual({ x: -50, y: 0, side: 300 })
  })

  it('a square image is covered exactly either way', () => {
    expect(mapRect(64, 64, 'cover')).toEqual({ x: 0, y: 0, side: 64 })
    expect(mapRect(64, 64, 'contain')).toEqual({ x: 0, y: 0, side: 64 })
  })

  it('draws on a canvas of the image’s shape, its longest side the one asked for', () => {
    expect(canvasSize(4000, 3000, 1024)).toEqual({ width: 1024, height: 768 })
    expect(canvasSize(64, 32, 512)).toEqual({ width: 512, height: 256 })
    expect(canvasSize(0, 0, 512)).toEqual({ width: 1, height: 1 })
  })
})

describe('the overlay’s controls', () => {
  it('offers every class with its probability and marks the predicted one', () => {
    const opts = classOptions({ classes: ['cat', 'dog', 'fox'], probs: [0.1, 0.85, 0.05] })
    expect(opts).toEqual([
      { name: 'cat', label: 'cat (10.0 %)' },
      { name: 'dog', label: 'dog (85.0 %), predicted' },
      { name: 'fox', label: 'fox (5.0 %)' },
    ])
  })

  it('names the PNG after the image and the class, safe for any file system', () => {
    expect(pngName('photos/IMG 001.jpeg', 'cat')).toBe('IMG_001-cat-where-the-model-looks.png')
    expect(pngName('a\\b\\x.png', 'a/b: c')).toBe('x-a_b_c-where-the-model-looks.png')
    expect(pngName('.jpg', 'été')).toBe('image-été-where-the-model-looks.png')
  })

  it('explains with the predictions lens’s run, else the newest finished run', () => {
    const finished = [{ run: 2 }, { run: 5 }]
    expect(explainRun(2, finished)).toBe(2)
    expect(explainRun(null, finished)).toBe(5)
    expect(explainRun(9, finished)).toBe(5)
    expect(explainRun(null, [])).toBeNull()
  })
})
