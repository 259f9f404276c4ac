#!/usr/bin/env node
// `npm start`: make sure the Electron binary and an Electron build of better-sqlite3 exist, then
// build and launch the desktop app. Where Electron cannot be downloaded, say so in one line.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { ensureElectronBinary, root } from './electron-native.mjs'

if (!ensureElectronBinary()) {
  console.error(
    'studio: the Electron binary could not be downloaded on this machine, so the desktop app cannot start; ' +
      'use the browser mode instead: npm run build && npm run serve -- --project <folder>',
  )
  process.exit(1)
}
const rebuilt = spawnSync(process.execPath, [path.join(root, 'scripts/rebuild-electron.mjs')], { stdio: 'inherit' })
if (rebuilt.status !== 0) process.exit(rebuilt.status ?? 1)
const bin = path.join(root, 'node_modules/.bin/electron-vite')
const r = spawnSync(bin, ['preview'], { cwd: root, stdio: 'inherit' })
process.exit(r.status ?? 1)
