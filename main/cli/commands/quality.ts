import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import { plural } from '../../engine/plural'
import { labelQueue } from '../../engine/quality/queue'
import { UNCERTAINTIES } from '../../engine/quality/uncertainty'
import type { Studio } from '../../engine/studio'
import { withStudio } from '../context'
import { common, emit, EXIT, ExitCode, table, type CommonOptions } from '../output'
import { parseId } from './project'

/** Suspects `studio suspects` prints without --all or --limit. */
export const SUSPECTS_CUTOFF = 100

interface SuspectsOptions extends CommonOptions {
  backbone?: string
  modelsDir?: string
  all?: boolean
  limit: number
  recheck?: boolean
}

export function registerQuality(program: Command): void {
  common(program.command('score'))
    .description(
      'score every project image (labeled or not, every split) with a finished run: predicted class, ' +
        'confidence, margin, entropy — what the Browse lens and `studio next` use. Continues where it stopped.',
    )
    .argument('<run>', 'run id', parseId)
    .action((runId: number, opts: CommonOptions) =>
      withStudio(opts, (s) =>
        cancellable(opts, 'Scoring', async (signal, bar) => {
          const { scoreRun } = await import('../../engine/quality/scoring')
          const r = await scoreRun(s, runId, { signal, onProgress: (d, t) => bar.update(d, t, '') })
          const out = {
            run: r.runId,
            scored: r.scored,
            kept: r.kept,
            problems: r.problems.map((p) => ({ id: p.imageId, reason: p.reason })),
            seconds: r.seconds,
          }
          emit(opts, out, (v) =>
            [
              `Run ${v.run} scored ${plural(v.scored, 'image')} in ${v.seconds.toFixed(1)} s` +
                (v.kept ? ` (${plural(v.kept, 'image')} already scored)` : ''),
              ...v.problems.map((p) => `  image ${p.id} not scored: ${p.reason}`),
            ].join('\n'),
          )
        }),
      ),
    )

  common(program.command('suspects'))
    .description(
      'images whose label is probably wrong, most likely first (backbone features, cross-validated head, ' +
        'confident learning); runs the label check when the labels changed since the last one',
    )
    .option('--backbone <name>', 'backbone for the check (default: the best one in the models folder)')
    .option('--models-dir <dir>', 'folder of pretrained backbones (default STUDIO_MODELS_DIR or ~/.studio/models)')
    .option('--all', 'every image flagged, without a cut-off')
    .option('--limit <n>', `how many to list (default ${SUSPECTS_CUTOFF})`, parseId, SUSPECTS_CUTOFF)
    .option('--recheck', 'run a new check even when the last one is still fresh')
    .action((opts: SuspectsOptions) => withStudio(opts, (s) => suspects(s, opts)))

  common(program.command('next'))
    .description(
      'unlabeled images to label next, the most uncertain of each predicted class in turn (the most uncertain ' +
        'overall first), with the suggested label (needs `studio score`)',
    )
    .option('--by <measure>', UNCERTAINTIES.join(' | '), 'margin')
    .option('--limit <n>', 'how many', parseId, 20)
    .action((opts: CommonOptions & { by: string; limit: number }) =>
      withStudio(opts, (s) => {
        const by = UNCERTAINTIES.find((u) => u === opts.by)
        if (!by) throw new ValidationError(`--by must be ${UNCERTAINTIES.join(', ')} (got ${JSON.stringify(opts.by)})`)
        const q = labelQueue(s, by, opts.limit)
        const out = {
          source: q.source,
          run: q.runId,
          by: q.by,
          remaining: q.remaining,
          items: q.items.map((i) => ({
            id: i.imageId,
            path: i.path,
            suggested: i.suggested,
            confidence: i.confidence,
            uncertainty: i.uncertainty,
          })),
        }
        emit(opts, out, (v) =>
          v.source === null
            ? 'Nothing to order by yet: score a finished run first (studio score <run>)'
            : [
                `Label next (by ${v.by}, from ${v.source}); ${plural(v.remaining, 'unlabeled image')} in the queue`,
                table([
                  ['id', 'suggested', 'confidence', 'uncertainty', 'path'],
                  ...v.items.map((i) => [
                    i.id,
                    i.suggested ?? '-',
                    pct(i.confidence),
                    i.uncertainty.toFixed(3),
                    i.path,
                  ]),
                ]),
              ].join('\n'),
        )
      }),
    )
}

async function suspects(s: Studio, opts: SuspectsOptions): Promise<void> {
  const [{ runLabelCheck }, { latestCheck, listSuspects }] = await Promise.all([
    import('../../engine/quality/check'),
    import('../../engine/quality/suspects'),
  ])
  const latest = latestCheck(s)
  const stale = !latest || !latest.fresh || (opts.backbone !== undefined && latest.check.backbone !== opts.backbone)
  if (stale || opts.recheck) {
    await cancellable(opts, 'Label check', (signal, bar) =>
      runLabelCheck(s, {
        backbone: opts.backbone ?? null,
        modelsDir: opts.modelsDir ?? null,
        signal,
        onProgress: (d, t, phase) => bar.update(d, t, phase),
      }),
    )
  }
  const r = listSuspects(s, opts.all ? Number.MAX_SAFE_INTEGER : opts.limit)
  const out = {
    suspects: r.suspects.map((x) => ({
      id: x.imageId,
      path: x.path,
      label: x.label,
      suggested: x.suggested,
      score: x.score,
    })),
    checked: r.check?.checked ?? 0,
    total: r.total,
    backbone: r.check?.backbone ?? null,
  }
  emit(opts, out, (v) =>
    [
      `${plural(v.total, 'suspect')} among ${plural(v.checked, 'checked image')} (backbone ${v.backbone})` +
        (v.suspects.length < v.total ? `; the ${v.suspects.length} most likely (--all for every one):` : ':'),
      ...(v.suspects.length
        ? [
            table([
              ['id', 'label', 'suggested', 'score', 'path'],
              ...v.suspects.map((x) => [x.id, x.label, x.suggested, x.score.toFixed(3), x.path]),
            ]),
          ]
        : []),
    ].join('\n'),
  )
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`

interface Bar {
  update(done: number, total: number, phase: string): void
}

/** Runs `fn` with Ctrl-C as its cancel signal and a progress bar on stderr when it is a terminal. */
async function cancellable<T>(
  opts: CommonOptions,
  label: string,
  fn: (signal: AbortSignal, bar: Bar) => Promise<T>,
): Promise<T> {
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled)
    process.stderr.write('\nCancelling… (Ctrl-C again to stop at once)\n')
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  const bar =
    !opts.json && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: `${label} [{bar}] {value}/{total} {phase}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null
  let started = false
  try {
    return await fn(controller.signal, {
      update: (done, total, phase) => {
        if (!bar) return
        if (!started) bar.start(total, done, { phase })
        else {
          bar.setTotal(total)
          bar.update(done, { phase })
        }
        started = true
      },
    })
  } catch (err) {
    if (controller.signal.aborted) {
      process.stderr.write(`${label} cancelled; what was done is kept\n`)
      throw new ExitCode(EXIT.cancelled)
    }
    throw err
  } finally {
    if (started) bar?.stop()
    process.off('SIGINT', onSigint)
  }
}
