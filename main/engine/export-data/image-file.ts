import fs from 'node:fs/promises'
import sharp from 'sharp'

/**
 * The bytes one exported image gets. Originals are the stored file as it is. Otherwise the image
 * is decoded and written again in its own format: sharp keeps no metadata unless asked, so EXIF
 * (with GPS), XMP, IPTC and comments are gone, and `rotate()` turns the pixels the way the EXIF
 * orientation said, since the tag that said it goes too. Lossy formats are written at a high quality;
 * PNG and TIFF stay lossless.
 */
export async function imageBytes(file: string, format: string, originals: boolean): Promise<Buffer> {
  if (originals) return fs.readFile(file)
  // GIF carries no EXIF orientation; its frames are kept (sharp cannot rotate a multi-page image).
  if (format === 'gif') return sharp(file, { animated: true }).gif().toBuffer()
  const img = sharp(file).rotate()
  switch (format) {
    case 'jpeg':
      return img.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()
    case 'png':
      return img.png().toBuffer()
    case 'webp':
      return img.webp({ quality: 95 }).toBuffer()
    case 'tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer()
    case 'avif':
      return img.avif({ quality: 90 }).toBuffer()
    default:
      throw new Error(`cannot re-encode ${format} images`)
  }
}

/**
 * Why a file could not be exported, without its path: messages from fs and libvips name the file,
 * and the project's folder must not appear inside an export or its summary.
 */
export function failureReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'the stored file is missing from the project'
  if (code) return `the stored file cannot be read (${code})`
  const message = err instanceof Error ? err.message : String(err)
  return `the image cannot be decoded (${message.replace(/(\/|[A-Za-z]:\\)[^\s:'"]+/g, '…').slice(0, 120)})`
}
