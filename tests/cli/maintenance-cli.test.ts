import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireLock } from '../../main/engine/lock'
import { APP_LOCK } from '../../main/engine/session'
import { Studio } from '../../main/engine/studio'
import { STUDIO_BIN, studio, studioJson } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'

/**
 * The privacy and maintenance commands as a user runs them: `studio settings`, `studio check`
 * (exit 1 while something is unrepaired; what it repaired, by name; a progress bar on a terminal),
 * `studio backup` while the project is open elsewhere, to a default file, replaced only on request,
 * `studio restore` (and its refusals).
 */
describe('studio settings, check, backup, restore', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')

  it('changes settings by flag, refuses a bad value naming the option, and offers to forget stored paths', async () => {
    await makeImages(path.join(root, 'src', 'cats'), 3)
    const s = Studio.init(proj)
    await s.import(path.join(root, 'src'))
    s.close()
    const bad = studio(['settings', '-p', proj, '--strip-metadata', 'most'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('--strip-metadata must be keep, gps, all (got "most")')
    const human = studio(['settings', '-p', proj, '--source-paths', 'forget', '--strip-metadata', 'all'])
    expect(human.stdout).toContain('1 earlier import still stores its absolute path')
    expect(human.stdout).toContain('--forget-stored')
    const v = studioJson(['settings', '-p', proj, '--source-paths', 'forget', '--forget-stored'])
    expect(v).toMatchObject({ stripMetadata: 'all', sourcePaths: 'forget', storedSourcePaths: 0, forgotten: 1 })
    expect(v.gps).toEqual({ withGps: 0, withoutGps: 3, unchecked: 0 })
    // Paths relative to the import root still show where each image came from.
    const images = studioJson<{ images: { path: string }[] }>(['images', '-p', proj])
    expect(images.images.map((i) => i.path).sort()).toEqual([
      'cats/img-000.jpg',
      'cats/img-001.jpg',
      'cats/img-002.jpg',
    ])
    expect(studio(['health', '-p', proj]).stdout).toContain('GPS: 0 images with a GPS position, 3 without')
  })

  it('backs up while the project is open elsewhere, checks and restores', () => {
    const release = acquireLock(proj, APP_LOCK, 'Studio') // as a window or `studio serve` holds it
    const tar = path.join(root, 'proj.tar')
    try {
      const b = studioJson<{ images: number; files: number }>(['backup', tar, '-p', proj])
      expect(b).toMatchObject({ images: 3, files: 7 })
    } finally {
      release()
    }
    const out = path.join(root, 'again')
    fs.mkdirSync(out)
    fs.writeFileSync(path.join(out, 'keep-me.txt'), 'x')
    const refused = studio(['restore', tar, out])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`${out} is not empty`)
    const fresh = path.join(root, 'fresh')
    expect(studioJson(['restore', tar, fresh])).toMatchObject({ project: fresh, images: 3 })

    const media = path.join(fresh, 'media')
    const victim = fs.readdirSync(media).map((d) => path.join(media, d, fs.readdirSync(path.join(media, d))[0]!))[0]!
    fs.writeFileSync(victim, 'not an image')
    const thumbs = path.join(fresh, 'thumbs')
    const lost = fs
      .readdirSync(thumbs)
      .map((d) => path.join(thumbs, d, fs.readdirSync(path.join(thumbs, d))[0]!))
      .find((t) => path.parse(t).name !== path.parse(victim).name)!
    fs.rmSync(lost)
    const check = studio(['check', '-p', fresh])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(`original-damaged: ${victim} (cats/img-`)
    expect(check.stdout).toMatch(new RegExp(`Repaired 1 file:\n  thumbnail: cats/img-00\\d\\.jpg — ${lost}\n`))
    expect(check.stderr).toBe('') // no progress bar when stderr is not a terminal: script-friendly
    // On a terminal, a progress bar in originals (`script` gives the command a pseudo-terminal).
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${STUDIO_BIN} check -p ${fresh}`, '/dev/null'], {
      encoding: 'utf8',
    })
    if (tty.error) console.warn(`SKIPPED the terminal progress check: ${tty.error.message}`)
    else {
      expect(tty.status).toBe(1)
      expect(tty.stdout).toContain('Checking [')
      expect(tty.stdout).toContain('3/3 originals verified')
    }
  })

  it('backs up to <project>-backup-<date>.tar by default, and replaces it only with --overwrite', () => {
    const day = new Date().toISOString().slice(0, 10)
    const file = path.join(root, `proj-backup-${day}.tar`)
    expect(studioJson(['backup', '-p', proj])).toMatchObject({ file, images: 3, replaced: false })
    const replaced = studio(['backup', '-p', proj, '--overwrite'])
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(replaced.stdout).toContain(`to ${file} (`)
    expect(replaced.stdout).toContain('replacing the earlier backup')
    expect(replaced.stdout).toContain(`To restore: studio restore ${file} <new folder>`)
  })
})
