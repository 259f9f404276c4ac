import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Studio } from '../../../main/engine/studio'
import { makeImages, tmpDir } from '../../helpers/fixtures'

const hasMkfifo = process.platform !== 'win32'

describe.runIf(hasMkfifo)('files named like images that are not regular files', () => {
  const root = tmpDir()

  it('a FIFO or socket named .jpg in a folder is an error with a reason, not silently skipped', async () => {
    const src = path.join(root, 'src')
    await makeImages(path.join(src, 'cats'), 2, 0)
    execFileSync('mkfifo', [path.join(src, 'cats', 'pipe.jpg')])
    execFileSync('mkfifo', [path.join(src, 'cats', 'pipe.txt')]) // not named like an image: ignored
    const server = net.createServer().listen(path.join(src, 'cats', 'sock.png'))
    await new Promise((r) => server.once('listening', r))
    fs.symlinkSync('pipe.jpg', path.join(src, 'cats', 'link-to-pipe.jpg'))
    const studio = Studio.init(path.join(root, 'proj'))
    try {
      const s = await studio.import(src)
      expect([s.imported, s.errors, s.ignored]).toEqual([2, 3, 1])
      const reasons = Object.fromEntries(studio.importErrors().map((e) => [e.path, e.reason]))
      expect(reasons).toEqual({
        'cats/pipe.jpg': expect.stringMatching(/not a regular file but a named pipe \(FIFO\)/),
        'cats/link-to-pipe.jpg': expect.stringMatching(/named pipe/),
        'cats/sock.png': expect.stringMatching(/not a regular file but a socket/),
      })
    } finally {
      studio.close()
      server.close()
    }
  })

  it('a FIFO listed in a CSV is an error and the import does not hang on it', async () => {
    const dir = path.join(root, 'csv')
    await makeImages(dir, 1, 10)
    execFileSync('mkfifo', [path.join(dir, 'pipe.jpg')])
    fs.writeFileSync(path.join(dir, 'list.csv'), 'path,label\nimg-000.jpg,a\npipe.jpg,b\n')
    const studio = Studio.init(path.join(root, 'proj-csv'))
    try {
      const s = await studio.import(path.join(dir, 'list.csv'))
      expect([s.imported, s.errors]).toEqual([1, 1])
      expect(studio.importErrors()[0]!.reason).toMatch(/named pipe/)
    } finally {
      studio.close()
    }
  }, 20_000)
})
