#!/usr/bin/env node
// `npm run dist`: desktop packages (electron-builder.yml: AppImage + deb, dmg, nsis installer) for the
// platform this runs on; arguments after `--` go to electron-builder (e.g. `npm run dist -- --linux deb`).
// It needs the Electron binary and Electron's headers (to build better-sqlite3 for Electron), both
// downloaded on first use; where they cannot be, it says so in one line.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { electronDist, ensureElectronBinary, root } from './electron-native.mjs'

if (!ensureElectronBinary()) {
  console.error(
    'studio: the Electron binary could not be downloaded on this machine, so no desktop package can be built; ' +
      '`npm run build` still builds the app for the browser mode (npm run serve)',
  )
  process.exit(1)
}

/** Runs a step with its output shown; stops here with its exit code if it fails. */
function step(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const bin = (name) => path.join(root, 'node_modules/.bin', name)
step(process.execPath, [path.join(root, 'scripts/rebuild-electron.mjs')])
step(bin('electron-vite'), ['build'])
const args = process.argv.slice(2)
// For this platform, package the Electron binary already here instead of downloading it again.
const otherPlatform = args.some((a) => /^(--(mac|macos|win|windows|linux)|-[mwl]+)$/.test(a))
const dist = otherPlatform ? [] : [`--config.electronDist=${electronDist}`]
step(bin('electron-builder'), ['--config', 'electron-builder.yml', '--publish', 'never', ...dist, ...args])
