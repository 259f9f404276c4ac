import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runSuite, summaryLine } from './crash/suite'

/**
 * The reduced crash suite (bench/crash.ts runs ≥ 50 trials, training, scoring and export included):
 * kill -9 of the real command during an import, label bursts through the CLI and through
 * `studio serve`, dataset version creation and a schema migration, each checked for an intact
 * database, every acknowledged label, exact counts after the rerun and no blocking lock.
 */
describe('kill -9 at a random moment', () => {
  it('leaves an intact project, loses no acknowledged write and blocks nothing', async () => {
    const lines: string[] = []
    const s = await runSuite({
      root: path.join(os.tmpdir(), `studio-crash-test-${process.pid}`),
      trials: 5,
      kinds: ['import', 'label-cli', 'label-http', 'version', 'migrate'],
      seed: 7,
      sizes: { perClass: 8, rows: 1500, oldImages: 5000, shapesPerClass: 0, epochs: 0 },
      windows: { import: 3000, version: 2500, migrate: 1500 },
      log: (l) => lines.push(l),
    })
    const report = [...lines, summaryLine(s)].join('\n')
    expect(s.trials, report).toBe(5)
    expect(
      s.results.flatMap((r) => r.failures),
      report,
    ).toEqual([])
    expect(summaryLine(s)).toBe('trials=5 corrupt=0 lost=0 unresumable=0 blocked=0')
  }, 120_000)
})
