// Shared facts about the Electron binary and the Electron-ABI build of better-sqlite3 (used by the
// start, dist and rebuild scripts).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const root = path.resolve(import.meta.dirname, '..')
export const nativeDir = path.join(root, '.electron-native')
export const nativeBinary = path.join(nativeDir, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

const electronDir = path.join(root, 'node_modules/electron')
/** The Electron binary's folder (what `electronDist` means to electron-builder). */
export const electronDist = path.join(electronDir, 'dist')

function haveElectronBinary() {
  const pathFile = path.join(electronDir, 'path.txt')
  return fs.existsSync(pathFile) && fs.existsSync(path.join(electronDist, fs.readFileSync(pathFile, 'utf8')))
}

/**
 * Whether the Electron binary is there, downloading it first if it is not (npm may have installed the
 * package without it). False where it cannot be downloaded (an offline machine).
 */
export function ensureElectronBinary() {
  if (!haveElectronBinary()) {
    spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'ignore', timeout: 120_000 })
  }
  return haveElectronBinary()
}

export function electronVersion() {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version
}

export function electronAbi() {
  return fs.readFileSync(path.join(root, 'node_modules/electron/abi_version'), 'utf8').trim()
}

/** The NODE_MODULE_VERSION a .node binary was built for, read from its registration symbol. */
export function binaryAbi(file) {
  if (!fs.existsSync(file)) return null
  const m = /node_register_module_v(\d+)/.exec(fs.readFileSync(file).toString('latin1'))
  return m ? m[1] : null
}
