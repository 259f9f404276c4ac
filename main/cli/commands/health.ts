import type { Command } from 'commander'
import type { FindingDto, HealthDto } from '../../../preload/contract'
import { plural } from '../../engine/plural'
import { withStudio } from '../context'
import { gpsLine } from './settings'
import { common, emit, table, type CommonOptions } from '../output'
import { parseId } from './project'

interface HealthOptions extends CommonOptions {
  version?: number
  originSplits?: boolean
}

/**
 * `studio health`: the data health report. Images imported before pixel signals existed are
 * measured first (progress on stderr), so the report is complete; `--json` prints exactly
 * `{"findings": [...]}` with the stable kinds (README, "`--json` output").
 */
export function registerHealth(program: Command): void {
  common(program.command('health'))
    .description(
      'data health report: conflicting duplicates, near-duplicates, leakage across splits, class balance, ' +
        'outliers, unreadable and skipped files',
    )
    .option('--version <n>', 'dataset version whose splits the leakage check looks at (default: the latest)', parseId)
    .option('--origin-splits', "check leakage across the import's train/val/test folders instead of a version")
    .action((opts: HealthOptions) =>
      withStudio(opts, async (s) => {
        const [{ backfillSignals, pendingSignals }, { healthReport }] = await Promise.all([
          import('../../engine/health/backfill'),
          import('../../engine/health/report'),
        ])
        const pending = pendingSignals(s)
        if (pending) {
          process.stderr.write(`measuring ${plural(pending, 'image')} imported before Studio measured pixels…\n`)
          await backfillSignals(s, { signal: new AbortController().signal, progress: () => {} })
        }
        const report = await healthReport(s, { versionId: opts.version, useOriginSplits: opts.originSplits }, null)
        if (opts.json) emit(opts, { findings: report.findings.map(jsonFinding) }, () => '')
        // Privacy, its own line of the text report (--json stays exactly the findings; `studio settings --json` has it).
        else
          emit(opts, report, (r) => (r.images ? `${human(r)}\nGPS: ${gpsLine(s.store.privacy.gpsCounts())}` : human(r)))
      }),
    )
}

/** The --json shape of a finding: the required keys first, then the optional ones it has. */
function jsonFinding(f: FindingDto): FindingDto {
  const { kind, severity, count, images, detail, groups, classes, files } = f
  return {
    kind,
    severity,
    count,
    images,
    detail,
    ...(groups ? { groups } : {}),
    ...(classes ? { classes } : {}),
    ...(files ? { files } : {}),
  }
}

function human(r: HealthDto): string {
  const where = r.originSplits
    ? "leakage checked across the import's train/val/test folders"
    : r.versionId === null
      ? 'no dataset version yet (leakage is checked once one is frozen)'
      : `leakage checked on dataset version ${r.versionId}`
  const head = `${plural(r.images, 'image')}; ${where}` + (r.pending ? `; ${r.pending} still being measured` : '')
  if (!r.findings.length) return `${head}\nNo problems found.`
  return [
    head,
    '',
    table([['kind', 'severity', 'count', 'detail'], ...r.findings.map((f) => [f.kind, f.severity, f.count, f.detail])]),
  ].join('\n')
}
