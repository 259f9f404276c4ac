import type { PredictionDto } from '../../../preload/contract'

/** Largest file sent as it is; bigger ones are scaled down first (browser mode's request limit is 10 MB). */
export const MAX_SEND_BYTES = 6 * 1024 * 1024

/** Bytes as base64, in chunks (String.fromCharCode with a huge spread overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

/** The bars of one prediction: every class with its share in percent, in the run's class order. */
export function bars(p: PredictionDto): { name: string; percent: number; best: boolean }[] {
  return p.classes.map((c) => ({
    name: c.name,
    percent: Math.round(c.probability * 1000) / 10,
    best: c.name === p.label,
  }))
}

/** A file the page can send: as it is when small enough, else scaled to at most `side` pixels as JPEG. */
export async function sendable(file: File, side = 1600): Promise<Uint8Array> {
  if (file.size <= MAX_SEND_BYTES) return new Uint8Array(await file.arrayBuffer())
  const bitmap = await createImageBitmap(file)
  const k = Math.min(1, side / Math.max(bitmap.width, bitmap.height))
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * k), Math.round(bitmap.height * k))
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
  bitmap.close()
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 })
  return new Uint8Array(await blob.arrayBuffer())
}

/** Files as the requests take them, encoded once each: explaining another class resends the same payload. */
const payloads = new WeakMap<File, Promise<{ name: string; dataBase64: string }>>()

/** A file as `predict` and `explain` take it (scaled down first when too large to send). */
export function filePayload(file: File): Promise<{ name: string; dataBase64: string }> {
  let p = payloads.get(file)
  if (!p) {
    p = sendable(file).then((bytes) => ({ name: file.name, dataBase64: toBase64(bytes) }))
    payloads.set(file, p)
    p.catch(() => payloads.delete(file))
  }
  return p
}
