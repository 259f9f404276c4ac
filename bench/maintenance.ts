/**
 * Privacy and maintenance costs (issue 16, section 5): import with and without metadata stripping
 * (same photo-like JPEGs carrying EXIF with GPS), then `studio check`, `studio backup` and
 * `studio restore` on the imported project, in this process. Prints one line per step and a last
 * line `images=<n> import_keep_per_s=<x> import_gps_per_s=<x> import_all_per_s=<x> check_per_s=<x>
 * backup_mb_per_s=<x> restore_mb_per_s=<x>`.
 *
 *   npx tsx bench/maintenance.ts [--images 2000]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { backupProject } from '../main/engine/maintenance/backup'
import { checkProject } from '../main/engine/maintenance/check'
import { restoreProject } from '../main/engine/maintenance/restore'
import { changeSettings, type StripMode } from '../main/engine/privacy/settings'
import { Studio } from '../main/engine/studio'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const n = arg('images', 2000)
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-maintenance-'))

async function photos(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true })
  for (let i = 0; i < n; i++) {
    const w = 320 + (i % 7) * 40
    const h = 240 + (i % 5) * 30
    // Smooth gradients plus noise: JPEG sizes like small photos (≈ 20–40 KB), not flat colour.
    const px = Buffer.alloc(w * h * 3)
    let x = i * 2654435761
    for (let p = 0; p < px.length; p++) {
      x = (x * 1103515245 + 12345) >>> 0
      px[p] = (((p / 3) % w) * 255) / w / 2 + (x >>> 26) + ((i * 37) % 64)
    }
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .withExif({
        IFD0: { Make: 'BenchCam', Model: 'B1' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: `${i % 90}/1 30/1 0/1`,
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 0/1 0/1',
        },
      })
      .withMetadata({ orientation: (i % 8) + 1 })
      .jpeg({ quality: 85 })
      .toFile(path.join(dir, `p${String(i).padStart(5, '0')}.jpg`))
  }
}

async function importWith(mode: StripMode, src: string): Promise<{ dir: string; perS: number }> {
  const dir = path.join(root, `proj-${mode}`)
  const s = Studio.init(dir)
  try {
    changeSettings(s.store, { stripMetadata: mode })
    const t = performance.now()
    const r = await s.import(src)
    const secs = (performance.now() - t) / 1000
    const gps = s.store.privacy.gpsCounts()
    console.log(
      `import strip=${mode}: ${r.imported} images in ${secs.toFixed(1)} s (${(r.imported / secs).toFixed(0)}/s); ` +
        `with GPS ${gps.withGps}, without ${gps.withoutGps}`,
    )
    return { dir, perS: r.imported / secs }
  } finally {
    s.close()
  }
}

async function main(): Promise<void> {
  console.log(
    `resources: this process, ${os.availableParallelism()} cores (sharp/libvips threads as the importer sets them)`,
  )
  const src = path.join(root, 'src', 'photos')
  await photos(src)
  const keep = await importWith('keep', src)
  const gps = await importWith('gps', src)
  const all = await importWith('all', src)

  const s = Studio.open(keep.dir)
  const check = await checkProject(s).finally(() => s.close())
  const checkPerS = check.checked / check.seconds
  console.log(
    `check: ${check.checked} originals hashed and thumbnails looked at in ${check.seconds.toFixed(1)} s ` +
      `(${checkPerS.toFixed(0)}/s), ${check.problems.length} problems`,
  )
  const tar = path.join(root, 'backup.tar')
  const b = await backupProject(keep.dir, tar)
  const mb = b.bytes / 1e6
  console.log(
    `backup: ${b.files} files, ${mb.toFixed(1)} MB in ${b.seconds.toFixed(1)} s (${(mb / b.seconds).toFixed(0)} MB/s)`,
  )
  const r = await restoreProject(tar, path.join(root, 'restored'))
  console.log(
    `restore: ${r.files} files checked and written in ${r.seconds.toFixed(1)} s (${(mb / r.seconds).toFixed(0)} MB/s)`,
  )
  console.log(
    `images=${n} import_keep_per_s=${keep.perS.toFixed(0)} import_gps_per_s=${gps.perS.toFixed(0)} ` +
      `import_all_per_s=${all.perS.toFixed(0)} check_per_s=${checkPerS.toFixed(0)} ` +
      `backup_mb_per_s=${(mb / b.seconds).toFixed(0)} restore_mb_per_s=${(mb / r.seconds).toFixed(0)}`,
  )
  fs.rmSync(root, { recursive: true, force: true })
}

void main()
