import fs from 'node:fs/promises'
import sharp from 'sharp'
import { isClean } from './clean-bytes'

/**
 * The bytes one exported image gets, and whether they were re-encoded. Originals are the stored
 * file as it is. Otherwise a JPEG or PNG that holds nothing but pixels (clean-bytes.ts) is copied
 * as it is too: there is nothing to strip and its orientation is already the pixels'. Any other
 * file is decoded and written again in its own format: sharp keeps no metadata unless asked, so
 * EXIF (with GPS), XMP, IPTC, ICC and comments are gone, and `rotate()` turns the pixels the way
 * the EXIF orientation said, since the tag that said it goes too. Lossy formats are written at a
 * high quality (JPEG keeps its chroma subsampling); PNG and TIFF stay lossless.
 */
export async function imageBytes(
  file: string,
  format: string,
  originals: boolean,
): Promise<{ data: Buffer; reencoded: boolean }> {
  const stored = await fs.readFile(file)
  if (originals || isClean(stored, format)) return { data: stored, reencoded: false }
  return { data: await reencode(stored, format), reencoded: true }
}

async function reencode(input: Buffer, format: string): Promise<Buffer> {
  // GIF carries no EXIF orientation; its frames are kept (sharp cannot rotate a multi-page image).
  if (format === 'gif') return sharp(input, { animated: true }).gif().toBuffer()
  const img = sharp(input).rotate()
  switch (format) {
    case 'jpeg': {
      // 4:4:4 only where the original had full colour resolution: more would add bytes, not detail.
      const { chromaSubsampling } = await sharp(input).metadata()
      return img.jpeg({ quality: 95, chromaSubsampling: chromaSubsampling === '4:4:4' ? '4:4:4' : '4:2:0' }).toBuffer()
    }
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
