#!/usr/bin/env node
// Builds the `studio` command into out/cli: the command (studio.js) and the processes and threads the
// engine starts (scripts/thread-entries.mjs), each beside the shared chunks, as the app's build puts
// them in out/main. Packages stay in node_modules (native modules, TensorFlow.js, onnxruntime). Records
// every source file it read with its modification time (out/cli/inputs.json): bin/studio.mjs runs the
// build only while they are unchanged. `npm run build` runs this after electron-vite; `npm test` too.
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'
import { INPUTS_FILE } from '../bin/fresh-build.mjs'
import { THREAD_ENTRIES } from './thread-entries.mjs'

const root = path.resolve(import.meta.dirname, '..')
const out = path.join(root, 'out', 'cli')

/** Builds into a fresh folder, then puts it in place of out/cli (a command started meanwhile finds one whole build). */
export async function buildCli() {
  const tmp = `${out}.tmp-${process.pid}`
  fs.rmSync(tmp, { recursive: true, force: true })
  const result = await build({
    absWorkingDir: root,
    entryPoints: { studio: 'main/cli/run.ts', ...THREAD_ENTRIES },
    outdir: tmp,
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
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.includes('node_modules'))
    .sort()
    .map((f) => [f, fs.statSync(path.join(root, f)).mtimeMs])
  fs.writeFileSync(path.join(tmp, INPUTS_FILE), JSON.stringify({ inputs }) + '\n')
  const old = `${out}.old-${process.pid}`
  if (fs.existsSync(out)) fs.renameSync(out, old)
  fs.renameSync(tmp, out)
  fs.rmSync(old, { recursive: true, force: true })
  return { dir: out, files: inputs.length }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { dir, files } = await buildCli()
  process.stdout.write(`studio command built from ${files} source files into ${path.relative(root, dir)}\n`)
}
