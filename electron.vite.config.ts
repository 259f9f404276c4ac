import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import { THREAD_ENTRIES } from './scripts/thread-entries.mjs'

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The shell and the processes and threads the engine starts (scripts/thread-entries.mjs): the
      // training process it forks (out/main/worker.js, run by Electron as Node), its data-parallel
      // threads (out/main/shard-worker.js), extraction, export and quality threads.
      lib: {
        entry: {
          index: resolve(import.meta.dirname, 'main/index.ts'),
          ...Object.fromEntries(
            Object.entries(THREAD_ENTRIES).map(([name, file]) => [name, resolve(import.meta.dirname, file)]),
          ),
        },
      },
      // Native and heavy modules stay outside the bundle and load from node_modules; all of
      // TensorFlow.js stays out so the native backend, when present, registers with the same core.
      rollupOptions: { external: ['better-sqlite3', 'sharp', 'electron', /^@tensorflow\//, /^onnxruntime-/] },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve(import.meta.dirname, 'preload/index.ts'), formats: ['cjs'] },
      // A CommonJS preload lets the window keep `sandbox: true`.
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rollupOptions: { input: resolve(import.meta.dirname, 'renderer/index.html') },
      // Minified: the page parses and runs a third of the code before its first screen.
      minify: true,
    },
    plugins: [vue()],
  },
})
