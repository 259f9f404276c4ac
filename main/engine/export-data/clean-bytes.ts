/**
 * Whether a stored JPEG or PNG already holds nothing but its pixels, so that the default export can
 * copy its bytes instead of re-encoding it (no generational loss, about the cost of a copy). Only
 * an allowlist of structural parts passes: anything that can carry metadata (EXIF with GPS and
 * orientation, XMP, IPTC, ICC profiles, comments, text chunks, thumbnails, unknown segments, bytes
 * after the end marker) sends the file through sharp instead. A file this cannot parse is not clean.
 */
export function isClean(data: Uint8Array, format: string): boolean {
  if (format === 'jpeg') return cleanJpeg(data)
  if (format === 'png') return cleanPng(data)
  return false
}

/** JPEG markers that carry only what decoding needs: frames, tables, restart interval, scans. */
function structuralJpegMarker(m: number): boolean {
  const frame = m >= 0xc0 && m <= 0xcf && m !== 0xc8 // SOFn, DHT (c4), DAC (cc); not the reserved JPG (c8)
  return frame || m === 0xdb || m === 0xdd || m === 0xda // DQT, DRI, SOS
}

function cleanJpeg(d: Uint8Array): boolean {
  if (d.length < 4 || d[0] !== 0xff || d[1] !== 0xd8) return false
  let i = 2
  while (i + 2 <= d.length) {
    if (d[i] !== 0xff) return false
    const m = d[i + 1]!
    if (m === 0xff) {
      i++ // fill byte
      continue
    }
    if (m === 0xd9) return i + 2 === d.length // EOI, and nothing after it
    if (i + 4 > d.length) return false
    const len = (d[i + 2]! << 8) | d[i + 3]!
    const body = d.subarray(i + 4, i + 2 + len)
    if (len < 2 || i + 2 + len > d.length) return false
    if (m === 0xe0 && !plainJfif(body)) return false
    if (m === 0xee && !startsWith(body, 'Adobe')) return false
    if (m !== 0xe0 && m !== 0xee && !structuralJpegMarker(m)) return false
    i += 2 + len
    if (m === 0xda) i = afterScan(d, i)
  }
  return false
}

/** JFIF without a thumbnail (JFXX, the thumbnail extension, is refused). */
function plainJfif(body: Uint8Array): boolean {
  return startsWith(body, 'JFIF\0') && body.length >= 14 && body[12] === 0 && body[13] === 0
}

/** The offset of the marker that ends a scan's entropy-coded data (stuffed FF00 and restarts skipped). */
export function afterScan(d: Uint8Array, i: number): number {
  while (i + 1 < d.length) {
    if (d[i] === 0xff) {
      const n = d[i + 1]!
      if (n !== 0x00 && !(n >= 0xd0 && n <= 0xd7) && n !== 0xff) return i
    }
    i++
  }
  return d.length
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
/** Chunks about pixels and how to show them; text, time, EXIF, ICC and every unknown chunk are refused. */
const PNG_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'sBIT', 'bKGD', 'pHYs'])

function cleanPng(d: Uint8Array): boolean {
  if (d.length < 8 || PNG_SIGNATURE.some((b, k) => d[k] !== b)) return false
  let i = 8
  while (i + 12 <= d.length) {
    const len = ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) >>> 0
    const type = String.fromCharCode(d[i + 4]!, d[i + 5]!, d[i + 6]!, d[i + 7]!)
    if (!PNG_CHUNKS.has(type) || i + 12 + len > d.length) return false
    i += 12 + len
    if (type === 'IEND') return i === d.length
  }
  return false
}

function startsWith(body: Uint8Array, text: string): boolean {
  return body.length >= text.length && [...text].every((c, k) => body[k] === c.charCodeAt(0))
}
