import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defineConfig } from 'vitest/config'

/**
 * Test files that mock modules or stub globals (`vi.mock`, `vi.doMock`, `vi.stubGlobal`, `vi.stubEnv`),
 * found by reading them, so a new one is isolated without being listed: in a shared module graph a
 * mock would reach the files after it. The renderer's other files (stores and helpers on plain data)
 * share a worker like the engine's.
 */
function filesThatMock(): string[] {
  const root = import.meta.dirname
  return fs
    .readdirSync(path.join(root, 'tests'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.posix.join('tests', f.split(path.sep).join('/')))
    .filter((f) => /\bvi\.(mock|doMock|stubGlobal|stubEnv)\(/.test(fs.readFileSync(path.join(root, f), 'utf8')))
}

/**
 * Files that change process-wide state (module mocks, environment variables read at import, the
 * TF.js backend, Electron or network fakes): each runs in a fresh module graph.
 */
const ISOLATED = [
  ...filesThatMock(),
  'tests/main/**/*.test.ts',
  'tests/security/**/*.test.ts',
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
    // One worker more than cores: many files spend part of their time waiting on a child process (the
    // CLI, the trainer) or the browser, and the third keeps both cores of a 2-core machine busy then.
    maxWorkers: os.availableParallelism() + 1,
    // Builds the command the CLI tests run (out/cli), once for both projects.
    globalSetup: ['tests/helpers/global-setup.ts'],
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
