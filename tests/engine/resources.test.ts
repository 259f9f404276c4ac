import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { resourcePath, resourcesDir } from '../../main/engine/resources'
import { bundledModelsDir } from '../../main/engine/training/backbones'
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

  it('holds the bundled backbones, from source and in a packaged app (electron-builder ships models/)', () => {
    expect(bundledModelsDir()).toBe(path.resolve('resources', 'models'))
    for (const name of ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224']) {
      for (const f of ['model.json', 'backbone.json', 'LICENSE', 'SOURCE.md']) {
        expect(fs.existsSync(path.join(bundledModelsDir(), name, f)), `${name}/${f}`).toBe(true)
      }
    }
    const builder = fs.readFileSync('electron-builder.yml', 'utf8')
    const extra = builder.slice(builder.indexOf('\nextraResources:'), builder.indexOf('\nasarUnpack:'))
    expect(extra).toMatch(/- from: resources\n\s+to: resources\n\s+filter:(\n\s+- .*)*\n\s+- models\/\*\*\/\*/)
    const packaged = path.join(root, 'packaged')
    fs.mkdirSync(path.join(packaged, 'resources', 'models'), { recursive: true })
    fs.writeFileSync(path.join(packaged, 'resources', 'predict.mjs'), '')
    Reflect.set(process, 'resourcesPath', packaged)
    expect(bundledModelsDir()).toBe(path.join(packaged, 'resources', 'models'))
  })

  it("ignores Electron's own resources folder when Electron runs from source", () => {
    const electronOwn = path.join(root, 'electron-dist-resources')
    fs.mkdirSync(electronOwn, { recursive: true })
    Reflect.set(process, 'resourcesPath', electronOwn)
    expect(resourcesDir()).toBe(path.resolve('resources'))
  })
})
