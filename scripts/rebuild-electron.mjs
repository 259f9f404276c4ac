#!/usr/bin/env node
// Builds better-sqlite3 against Electron's headers into .electron-native/, leaving the Node build
// in node_modules untouched (so `npm test` and the CLI keep working). Run before `npm start`.
//
// node-gyp runs directly, not through npm, and with npm_config_* removed from its environment:
// a user config such as `nodedir=/usr` would otherwise make it build against Node's headers
// and "succeed" with the wrong ABI. The result's ABI is checked against Electron's abi_version.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { binaryAbi, electronAbi, electronVersion, nativeBinary, nativeDir, root } from './electron-native.mjs'

const want = electronAbi()
if (binaryAbi(nativeBinary) === want) {
  console.log(`better-sqlite3 for Electron (ABI ${want}) is already built: ${nativeBinary}`)
  process.exit(0)
}
const src = path.join(root, 'node_modules/better-sqlite3')
const dest = path.join(nativeDir, 'better-sqlite3')
fs.rmSync(dest, { recursive: true, force: true })
fs.mkdirSync(nativeDir, { recursive: true })
fs.cpSync(src, dest, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) })

const gyp = [
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  path.join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
].find((p) => fs.existsSync(p))
if (!gyp) {
  console.error('studio: node-gyp not found (it ships with npm); cannot build better-sqlite3 for Electron')
  process.exit(1)
}
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')))
const version = electronVersion()
const r = spawnSync(
  process.execPath,
  [
    gyp,
    'rebuild',
    '--release',
    `--target=${version}`,
    '--runtime=electron',
    '--dist-url=https://electronjs.org/headers',
    `--devdir=${path.join(nativeDir, 'headers')}`,
  ],
  { cwd: dest, env, stdio: 'inherit' },
)
const got = binaryAbi(nativeBinary)
if (r.status !== 0 || got !== want) {
  console.error(
    `studio: could not build better-sqlite3 for Electron ${version} (wanted ABI ${want}, got ${got ?? 'no binary'}); ` +
      "this needs Electron's headers from the network",
  )
  process.exit(1)
}
console.log(`Built better-sqlite3 for Electron ${version} (ABI ${want}): ${nativeBinary}`)
