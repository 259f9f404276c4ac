import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The shell, the training process it forks (out/main/worker.js, run by Electron as Node) and
      // that process's data-parallel threads (out/main/shard-worker.js).
      lib: {
        entry: {
          index: resolve(import.meta.dirname, 'main/index.ts'),
          worker: resolve(import.meta.dirname, 'main/engine/training/worker.ts'),
          'shard-worker': resolve(import.meta.dirname, 'main/engine/training/shard-worker.ts'),
          // Its feature-extraction threads (main/engine/training/extract-pool.ts).
          'extract-worker': resolve(import.meta.dirname, 'main/engine/training/extract-worker.ts'),
          // The export thread (main/engine/export/off-thread.ts): writes and zips off the main thread.
          'export-worker': resolve(import.meta.dirname, 'main/engine/export/export-worker.ts'),
          // The export self-test (main/engine/export/self-test-run.ts): a fresh process that loads each exported
          // format with its own runtime (forked; Electron runs it as plain Node, ELECTRON_RUN_AS_NODE).
          'self-test-worker': resolve(import.meta.dirname, 'main/engine/export/self-test-worker.ts'),
          // Scoring and label checks (main/engine/quality/off-thread.ts): decoding and models off the main thread.
          'quality-worker': resolve(import.meta.dirname, 'main/engine/quality/quality-worker.ts'),
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
