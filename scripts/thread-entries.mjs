// The processes and threads the engine starts, each an entry of a build beside the code that starts it
// (each finds `<name>.js` in its own folder when it does not run from source): used by the app's build
// (electron.vite.config.ts, out/main) and the command's (scripts/build-cli.mjs, out/cli).
export const THREAD_ENTRIES = {
  // The training process (main/engine/training/runner.ts forks it).
  worker: 'main/engine/training/worker.ts',
  // Its data-parallel threads (main/engine/training/parallel.ts).
  'shard-worker': 'main/engine/training/shard-worker.ts',
  // Its feature-extraction threads (main/engine/training/extract-pool.ts).
  'extract-worker': 'main/engine/training/extract-worker.ts',
  // The export thread (main/engine/export/off-thread.ts): writes and zips off the main thread.
  'export-worker': 'main/engine/export/export-worker.ts',
  // The export self-test (main/engine/export/self-test-run.ts): a fresh process that loads each exported
  // format with its own runtime (forked; Electron runs it as plain Node, ELECTRON_RUN_AS_NODE).
  'self-test-worker': 'main/engine/export/self-test-worker.ts',
  // Scoring and label checks (main/engine/quality/off-thread.ts): decoding and models off the main thread.
  'quality-worker': 'main/engine/quality/quality-worker.ts',
}
