/**
 * File and folder names inside an export that every common file system accepts: Windows refuses
 * `<>:"/\|?*`, control characters, trailing dots and spaces and device names (CON, COM1, …); macOS
 * and Windows compare names case-insensitively, so `Cat.jpg` and `cat.jpg` would overwrite each
 * other there; names starting with a dot are hidden (Studio's own import and FiftyOne skip them).
 */

/** Bytes a name may take; common file systems allow 255, and the collision suffix needs room. */
const MAX_NAME_BYTES = 160
const FORBIDDEN = /[<>:"/\\|?*\p{Cc}]/gu
/** Bidirectional controls can make `gpj.exe` show as `exe.jpg`. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i

/** A name any file system takes for `raw` (NFC, forbidden characters replaced); `fallback` when nothing is left. */
export function safeName(raw: string, fallback: string): string {
  let s = raw.normalize('NFC').replace(BIDI, '').replace(FORBIDDEN, '_').trim()
  s = s.replace(/[. ]+$/, '').replace(/^\.+/, (dots) => '_'.repeat(dots.length))
  s = truncateBytes(s, MAX_NAME_BYTES).replace(/[. ]+$/, '')
  if (!s) s = fallback
  if (DEVICE.test(s.split('.')[0]!)) s = `_${s}`
  return s
}

/** `s` cut to at most `max` UTF-8 bytes, at a code point boundary. */
function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s
  let out = ''
  let bytes = 0
  for (const ch of s) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > max) break
    out += ch
    bytes += n
  }
  return out
}

/** The stem of a file name (no folders, no extension). */
export function stemOf(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(0, dot) : base
}

/**
 * Hands out names unique within each folder of an export, compared the way case-insensitive file
 * systems compare them. A name already taken gets the image's hash prefix, then a counter.
 */
export class NameAllocator {
  private readonly taken = new Map<string, Set<string>>()

  /** Marks `name` as used in `folder` ('' is the root) without handing it out, e.g. `manifest.json`. */
  reserve(folder: string, name: string): void {
    this.used(folder).add(key(name))
  }

  /** A unique `<stem><ext>` in `folder`; `tag` (e.g. a hash prefix) tells two equal stems apart. */
  file(folder: string, rawStem: string, ext: string, tag: string): string {
    const stem = safeName(rawStem, 'image')
    return this.claim(folder, [`${stem}${ext}`, `${stem}-${tag}${ext}`], (i) => `${stem}-${tag}-${i}${ext}`)
  }

  /** A unique folder name in `parent` for `raw` (a class name). */
  folder(parent: string, raw: string): string {
    const name = safeName(raw, 'class')
    return this.claim(parent, [name], (i) => `${name}-${i}`)
  }

  private claim(folder: string, first: string[], nth: (i: number) => string): string {
    const used = this.used(folder)
    for (let i = 0; ; i++) {
      const name = i < first.length ? first[i]! : nth(i - first.length + 2)
      if (!used.has(key(name))) {
        used.add(key(name))
        return name
      }
    }
  }

  private used(folder: string): Set<string> {
    let s = this.taken.get(folder)
    if (!s) this.taken.set(folder, (s = new Set()))
    return s
  }
}

function key(name: string): string {
  return name.normalize('NFC').toLowerCase()
}
