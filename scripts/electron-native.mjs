// Shared facts about the Electron-ABI build of better-sqlite3 (used by start and rebuild scripts).
import fs from 'node:fs'
import path from 'node:path'

export const root = path.resolve(import.meta.dirname, '..')
export const nativeDir = path.join(root, '.electron-native')
export const nativeBinary = path.join(nativeDir, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

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
