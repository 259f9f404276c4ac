/**
 * The few EXIF (TIFF structure) operations privacy needs, on the bytes themselves: is there a GPS
 * block, remove it in place (same length, so the container around it stays valid), read the
 * orientation, and write an EXIF block holding the orientation alone. Offsets inside a TIFF block are
 * relative to its header, so an edit never moves anything else. A block this cannot walk throws.
 */

const GPS_IFD = 0x8825
const ORIENTATION = 0x0112
/** Bytes per value of each TIFF field type (1–13); unknown types count as 1. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4]

export class ExifError extends Error {}

interface View {
  d: Uint8Array
  le: boolean
}

function u16(v: View, at: number): number {
  if (at < 0 || at + 2 > v.d.length) throw new ExifError('EXIF offset out of range')
  return v.le ? v.d[at]! | (v.d[at + 1]! << 8) : (v.d[at]! << 8) | v.d[at + 1]!
}

function u32(v: View, at: number): number {
  if (at < 0 || at + 4 > v.d.length) throw new ExifError('EXIF offset out of range')
  const b = v.d
  return v.le
    ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
    : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
}

/** Where the TIFF header starts in an EXIF blob (sharp's blobs start with `Exif\0\0`), or -1. */
export function tiffStart(blob: Uint8Array): number {
  for (let i = 0; i + 4 <= Math.min(blob.length, 16); i++) {
    const ii = blob[i] === 0x49 && blob[i + 1] === 0x49 && blob[i + 2] === 0x2a && blob[i + 3] === 0
    const mm = blob[i] === 0x4d && blob[i + 1] === 0x4d && blob[i + 2] === 0 && blob[i + 3] === 0x2a
    if (ii || mm) return i
  }
  return -1
}

function view(tiff: Uint8Array): View {
  if (tiffStart(tiff) !== 0) throw new ExifError('not a TIFF header')
  return { d: tiff, le: tiff[0] === 0x49 }
}

interface Entry {
  at: number
  tag: number
  type: number
  count: number
  /** Offset of the value: inline in the entry, or where the entry points. */
  value: number
  size: number
}

function entries(v: View, ifd: number): Entry[] {
  const n = u16(v, ifd)
  if (ifd + 2 + n * 12 + 4 > v.d.length) throw new ExifError('EXIF directory runs past the block')
  const out: Entry[] = []
  for (let k = 0; k < n; k++) {
    const at = ifd + 2 + k * 12
    const type = u16(v, at + 2)
    const count = u32(v, at + 4)
    const size = (TYPE_SIZE[type] ?? 1) * count
    out.push({ at, tag: u16(v, at), type, count, size, value: size <= 4 ? at + 8 : u32(v, at + 8) })
  }
  return out
}

function ifd0(v: View): number {
  return u32(v, 4)
}

/** True when the block has a GPS directory with at least one entry. */
export function tiffHasGps(tiff: Uint8Array): boolean {
  const v = view(tiff)
  const gps = entries(v, ifd0(v)).find((e) => e.tag === GPS_IFD)
  if (!gps) return false
  const at = u32(v, gps.value)
  return at > 0 && at + 2 <= tiff.length && u16(v, at) > 0
}

/** The orientation tag (1–8), 1 when absent. */
export function tiffOrientation(tiff: Uint8Array): number {
  const v = view(tiff)
  const e = entries(v, ifd0(v)).find((x) => x.tag === ORIENTATION)
  const o = e ? u16(v, e.value) : 1
  return o >= 1 && o <= 8 ? o : 1
}

/**
 * Removes the GPS directory in place: its entries and their values are zeroed and the pointer to it
 * leaves the first directory (later entries move up one slot; the freed slot is zeroed). Returns
 * whether there was one.
 */
export function removeGpsInPlace(tiff: Uint8Array): boolean {
  const v = view(tiff)
  const first = ifd0(v)
  const list = entries(v, first)
  const k = list.findIndex((e) => e.tag === GPS_IFD)
  if (k < 0) return false
  const gpsAt = u32(v, list[k]!.value)
  if (gpsAt > 0) {
    const gps = entries(v, gpsAt)
    for (const e of gps) {
      if (e.size > 4) {
        if (e.value + e.size > tiff.length) throw new ExifError('GPS value runs past the block')
        tiff.fill(0, e.value, e.value + e.size)
      }
    }
    tiff.fill(0, gpsAt, gpsAt + 2 + gps.length * 12 + 4)
  }
  const n = list.length
  const start = first + 2 + k * 12
  const end = first + 2 + n * 12 + 4 // entries and the next-directory offset
  tiff.copyWithin(start, start + 12, end)
  tiff.fill(0, end - 12, end)
  const count = n - 1
  if (v.le) {
    tiff[first] = count & 0xff
    tiff[first + 1] = count >> 8
  } else {
    tiff[first] = count >> 8
    tiff[first + 1] = count & 0xff
  }
  return true
}

/** A big-endian TIFF block with one entry, the orientation; what `all` keeps of EXIF. */
export function orientationOnlyTiff(orientation: number): Uint8Array {
  const b = new Uint8Array(26)
  b.set([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]) // MM, 42, first directory at 8
  b.set([0, 1], 8) // one entry
  b.set([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0], 10) // orientation, SHORT, 1 value
  return b // next directory offset: 0
}

/** GPS properties in an XMP packet (exif:GPSLatitude, …): attributes or elements. */
const XMP_GPS = /\s[\w.-]+:GPS[\w]*\s*=\s*("[^"]*"|'[^']*')|<([\w.-]+:GPS[\w]*)\b[^>]*?(\/>|>[\s\S]*?<\/\2>)/g

export function xmpHasGps(xmp: string): boolean {
  XMP_GPS.lastIndex = 0
  return XMP_GPS.test(xmp)
}

/**
 * Blanks GPS properties of every XMP packet in `data` in place (each with as many spaces; XMP
 * allows whitespace anywhere between elements and attributes), so lengths stay. Returns the
 * offsets changed (PNG needs their chunks' CRCs redone).
 */
export function blankXmpGpsInPlace(data: Uint8Array): number[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const changed: number[] = []
  let from = 0
  for (;;) {
    const start = buf.indexOf('<x:xmpmeta', from, 'latin1')
    if (start < 0) break
    const close = buf.indexOf('</x:xmpmeta>', start, 'latin1')
    if (close < 0) break
    const text = buf.toString('latin1', start, close)
    XMP_GPS.lastIndex = 0
    for (const m of text.matchAll(XMP_GPS)) {
      const at = start + m.index
      buf.fill(0x20, at, at + m[0].length)
      changed.push(at)
    }
    from = close
  }
  return changed
}
