import { defineConfig } from 'vitest/config'

/**
 * Files that change process-wide state (module mocks, environment variables read at import, the
 * TF.js backend, Electron or network fakes): each runs in a fresh module graph.
 */
const ISOLATED = [
  'tests/main/**/*.test.ts',
  'tests/security/**/*.test.ts',
  'tests/renderer/**/*.test.ts',
  'tests/cli/quality.test.ts',
  'tests/cli/train-auto-cli.test.ts',
  'tests/e2e/backbones.e2e.test.ts',
  'tests/e2e/quality.e2e.test.ts',
  'tests/e2e/tm-export.e2e.test.ts',
  'tests/engine/export/tfjs-formats.test.ts',
  'tests/engine/quality/suspects.test.ts',
  'tests/engine/training/backbones-bundled.test.ts',
  'tests/engine/training/pixels.test.ts',
  'tests/engine/training/transfer-recipe.test.ts',
  'tests/engine/training/transfer.test.ts',
  'tests/engine/training/wasm-kernels.test.ts',
]

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
}

export default defineConfig({
  test: {
    // Tests spawn CLIs and use sharp's threads; two cores are all there is.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        // Most files only touch their own temporary projects: they share a worker's loaded modules
        // (TF.js, sharp, the engine), which takes about a third off the suite's time on two cores.
        test: { ...shared, name: 'shared', include: ['tests/**/*.test.ts'], exclude: ISOLATED, isolate: false },
      },
      { test: { ...shared, name: 'isolated', include: ISOLATED } },
    ],
  },
})
