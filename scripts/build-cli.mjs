#!/usr/bin/env node
// Builds the `studio` command into out/cli: the command (studio.js) and the processes and threads the
// engine starts (scripts/thread-entries.mjs), each beside the shared chunks, as the app's build puts
// them in out/main. Packages stay in node_modules (native modules, TensorFlow.js, onnxruntime). Records
// every source file it read with its modification time (out/cli/inputs.json): bin/studio.mjs runs the
// build only while they are unchanged. `npm run build` runs this after electron-vite; `npm test` too.
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'
import { freshBuild, INPUTS_FILE } from '../bin/fresh-build.mjs'
import { THREAD_ENTRIES } from './thread-entries.mjs'

const root = path.resolve(import.meta.dirname, '..')
const out = path.join(root, 'out', 'cli')

/** Files a build leaves that the next one did not write are removed once they are this old. */
const KEEP_OLD_FILES_MS = 24 * 3600_000

/**
 * Builds the command into out/cli unless the build there already matches the sources (`force`
 * rebuilds anyway). In place: a command running from an earlier build keeps finding the chunks it
 * loads lazily (old files go only after a day); the record of sources (inputs.json) is removed
 * first and written last, so a command starting meanwhile runs the sources.
 */
export async function buildCli({ force = false } = {}) {
  if (!force && freshBuild(root, out)) return { dir: out, files: null, built: false }
  // Modification times from before the build: a file saved while it runs then reads as changed.
  const before = new Map(sourceFiles().map((f) => [f, fs.statSync(path.join(root, f)).mtimeMs]))
  fs.mkdirSync(out, { recursive: true })
  fs.rmSync(path.join(out, INPUTS_FILE), { force: true })
  const result = await build({
    absWorkingDir: root,
    entryPoints: { studio: 'main/cli/run.ts', ...THREAD_ENTRIES },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // Chunks beside the entries: code finds the entries of its threads in its own folder.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  })
  const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(root, f)))
  for (const f of fs.readdirSync(out)) {
    const file = path.join(out, f)
    if (!written.has(file) && Date.now() - fs.statSync(file).mtimeMs > KEEP_OLD_FILES_MS) fs.rmSync(file)
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.includes('node_modules'))
    .sort()
    .map((f) => [f, before.get(f) ?? fs.statSync(path.join(root, f)).mtimeMs])
  const tmp = path.join(out, `${INPUTS_FILE}.${process.pid}`)
  fs.writeFileSync(tmp, JSON.stringify({ inputs }) + '\n')
  fs.renameSync(tmp, path.join(out, INPUTS_FILE))
  return { dir: out, files: inputs.length, built: true }
}

/** The files a build can read from the repository: main/, preload/ and package.json. */
function sourceFiles() {
  const under = (dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .map((f) => path.posix.join(dir, f.split(path.sep).join('/')))
      .filter((f) => fs.statSync(path.join(root, f)).isFile())
  return [...under('main'), ...under('preload'), 'package.json']
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { dir, files, built } = await buildCli({ force: process.argv.includes('--force') })
  const where = path.relative(root, dir)
  process.stdout.write(
    built ? `studio command built from ${files} source files into ${where}\n` : `${where} is up to date\n`,
  )
}
