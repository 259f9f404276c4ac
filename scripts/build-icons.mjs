#!/usr/bin/env node
// `npm run build:icons`: renders resources/icon.svg into the PNGs the window and the packager use
// (resources/icons/<size>x<size>.png: electron-builder reads the size from the name for Linux and
// converts the 512 px one to .icns / .ico for macOS and Windows). The PNGs are committed, so a build
// needs no SVG renderer; rerun this after editing the SVG.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { root } from './electron-native.mjs'

const ICON_SIZES = [512, 256]

const svg = fs.readFileSync(path.join(root, 'resources/icon.svg'))
const outDir = path.join(root, 'resources/icons')
fs.mkdirSync(outDir, { recursive: true })
for (const size of ICON_SIZES) {
  const file = path.join(outDir, `${size}x${size}.png`)
  // Rendered at the target size (density scales the 512-unit viewBox), not downscaled from a bitmap.
  await sharp(svg, { density: (72 * size) / 512 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toFile(file)
  console.log(`${path.relative(root, file)} (${size} px)`)
}
