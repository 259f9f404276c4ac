import sharp from 'sharp'

export interface GridTile {
  /** The overlay image (any format sharp reads). */
  image: Buffer
  /** Two short caption lines under the tile. */
  lines: [string, string]
  correct: boolean
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * Tiles of `side` px (each overlay centred on black) with a caption strip under each, green for a
 * correct prediction and red for a wrong one, `columns` to a row, as one PNG.
 */
export async function overlayGrid(tiles: GridTile[], columns = 4, side = 224): Promise<Buffer> {
  const strip = 40
  const rows = Math.ceil(tiles.length / columns)
  const width = columns * side
  const height = rows * (side + strip)
  const parts = await Promise.all(
    tiles.map(async (t, i) => {
      const left = (i % columns) * side
      const top = Math.floor(i / columns) * (side + strip)
      const image = await sharp(t.image).resize(side, side, { fit: 'contain', background: '#000' }).png().toBuffer()
      const colour = t.correct ? '#1b7f3a' : '#b3261e'
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${strip}">` +
        `<rect width="100%" height="100%" fill="${colour}"/>` +
        `<text x="6" y="16" font-family="sans-serif" font-size="13" fill="#fff">${xml(t.lines[0])}</text>` +
        `<text x="6" y="33" font-family="sans-serif" font-size="13" fill="#fff">${xml(t.lines[1])}</text></svg>`
      return [
        { input: image, left, top },
        { input: Buffer.from(svg), left, top: top + side },
      ]
    }),
  )
  return sharp({ create: { width, height, channels: 3, background: '#000' } })
    .composite(parts.flat())
    .png()
    .toBuffer()
}
