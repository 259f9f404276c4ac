import fs from 'node:fs'
import path from 'node:path'
import { rng } from '../../../main/engine/random'
import { runTrial, type Kind, type TrialCtx, type TrialResult } from './scenarios'
import { makeTemplates, type TemplateSizes } from './templates'

export interface SuiteOptions {
  /** Scratch folder; removed at the end unless a trial failed (its folder is kept). */
  root: string
  trials: number
  /** Kinds in turn (trial i is kinds[i % length]). */
  kinds: readonly Kind[]
  seed: number
  sizes: TemplateSizes
  /** Kill windows (ms) to use instead of measuring a full run of the kind first. */
  windows?: Partial<Record<Kind, number>>
  log?: (line: string) => void
}

export interface SuiteSummary {
  results: TrialResult[]
  trials: number
  corrupt: number
  lost: number
  unresumable: number
  blocked: number
  failed: number
}

export const summaryLine = (s: SuiteSummary) =>
  `trials=${s.trials} corrupt=${s.corrupt} lost=${s.lost} unresumable=${s.unresumable} blocked=${s.blocked}`

export async function runSuite(o: SuiteOptions): Promise<SuiteSummary> {
  const log = o.log ?? (() => {})
  const t0 = Date.now()
  const has = (...k: Kind[]) => k.some((x) => o.kinds.includes(x))
  const t = await makeTemplates(path.join(o.root, 'templates'), o.sizes, (what) => {
    if (what === 'import') return has('import')
    if (what === 'labels') return has('label-cli', 'label-http')
    if (what === 'rows') return has('version')
    if (what === 'old') return has('migrate')
    if (what === 'shapes') return has('train')
    return has('score', 'export')
  })
  log(`templates ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const calibrated = new Map<Kind, number>(Object.entries(o.windows ?? {}) as [Kind, number][])
  const rand = rng(o.seed)
  const results: TrialResult[] = []
  for (let i = 0; i < o.trials; i++) {
    const kind = o.kinds[i % o.kinds.length]!
    const ctx: TrialCtx = { t, dir: path.join(o.root, `trial-${i + 1}`), rand, calibrated }
    const started = Date.now()
    const r = await runTrial(kind, ctx)
    results.push(r)
    const secs = ((Date.now() - started) / 1000).toFixed(1)
    const verdict = r.failures.length ? `FAILED: ${r.failures.join('; ')}` : 'ok'
    log(
      `#${i + 1} ${kind.padEnd(10)} ${r.what.padEnd(34)} ${secs.padStart(5)} s  ${verdict}${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`,
    )
    if (!r.failures.length) fs.rmSync(ctx.dir, { recursive: true, force: true })
  }
  const summary: SuiteSummary = {
    results,
    trials: results.length,
    corrupt: results.filter((r) => r.corrupt).length,
    lost: results.reduce((n, r) => n + r.lost, 0),
    unresumable: results.filter((r) => r.unresumable).length,
    blocked: results.filter((r) => r.blocked).length,
    failed: results.filter((r) => r.failures.length).length,
  }
  if (!summary.failed) fs.rmSync(o.root, { recursive: true, force: true })
  return summary
}
