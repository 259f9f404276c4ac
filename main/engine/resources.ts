import fs from 'node:fs'
import path from 'node:path'

/**
 * The folder of files Studio ships beside its code (resources/: the app icons, the predict.mjs every
 * export carries, the bundled backbones in models/).
 *
 * From source — the CLI, the tests, `npm start` — it is the repository's resources/, two folders above
 * both this module (main/engine/) and the bundle electron-vite puts it in (out/main/). A packaged app has
 * it at <process.resourcesPath>/resources (electron-builder `extraResources`), outside the asar archive,
 * so the files are plain files that can be copied into an export or handed to the OS as they are.
 * `process.resourcesPath` exists only inside Electron, and when Electron runs from source it names
 * Electron's own folder: the packaged location counts only where it holds our files. A process Electron
 * forks as plain Node (the training process) is told the folder instead (its job's bundledModelsDir).
 */
export function resourcesDir(): string {
  const packaged = packagedResources()
  if (packaged && fs.existsSync(path.join(packaged, 'predict.mjs'))) return packaged
  return path.resolve(import.meta.dirname, '../../resources')
}

/** A file in resources/, e.g. `resourcePath('icons', '512x512.png')`. */
export function resourcePath(...parts: string[]): string {
  return path.join(resourcesDir(), ...parts)
}

function packagedResources(): string | null {
  // Read without Electron's type augmentation of `process`: the engine must not depend on it.
  const dir: unknown = Reflect.get(process, 'resourcesPath')
  return typeof dir === 'string' ? path.join(dir, 'resources') : null
}
