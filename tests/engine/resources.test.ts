import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { resourcePath, resourcesDir } from '../../main/engine/resources'
import { tmpDir } from '../helpers/fixtures'

const root = tmpDir()

afterEach(() => {
  Reflect.deleteProperty(process, 'resourcesPath')
})

describe('resources/', () => {
  it("is the repository's resources/ when running from source", () => {
    expect(resourcesDir()).toBe(path.resolve('resources'))
    expect(fs.existsSync(resourcePath('predict.mjs'))).toBe(true)
  })

  it('holds the app icon at the sizes its file names say', async () => {
    for (const size of [512, 256]) {
      const meta = await sharp(resourcePath('icons', `${size}x${size}.png`)).metadata()
      expect([meta.format, meta.width, meta.height]).toEqual(['png', size, size])
    }
  })

  it("is <resourcesPath>/resources in a packaged app (electron-builder's extraResources)", () => {
    const packaged = path.join(root, 'app-resources')
    fs.mkdirSync(path.join(packaged, 'resources'), { recursive: true })
    fs.writeFileSync(path.join(packaged, 'resources', 'predict.mjs'), '')
    Reflect.set(process, 'resourcesPath', packaged)
    expect(resourcesDir()).toBe(path.join(packaged, 'resources'))
  })

  it("ignores Electron's own resources folder when Electron runs from source", () => {
    const electronOwn = path.join(root, 'electron-dist-resources')
    fs.mkdirSync(electronOwn, { recursive: true })
    Reflect.set(process, 'resourcesPath', electronOwn)
    expect(resourcesDir()).toBe(path.resolve('resources'))
  })
})
