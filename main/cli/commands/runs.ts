import type { Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import { afterTrainingSection } from '../../engine/evaluation/card-sections'
import { confusionCell, evaluation } from '../../engine/evaluation/report'
import { reapCrashedRuns } from '../../engine/training/crashed-runs'
import { withStudio } from '../context'
import { evalByAttribute } from './attributes'
import { registerExport } from './export'
import { common, emit, table, type CommonOptions } from '../output'
import { parseId } from './project'
import { plural } from '../../engine/plural'

export function registerRuns(program: Command): void {
  common(program.command('runs'))
    .description('list training runs: status, preset, dataset version, backend, duration, accuracy')
    .action((opts: CommonOptions) =>
      withStudio(opts, async (s) => {
        const { runDto } = await import('../../engine/api/dto')
        reapCrashedRuns(s.store, s.root)
        // The contract's RunDto, mapped as the service maps it: the page and --json read the same.
        const now = Date.now()
        const runs = s.store.runs.list().map((r) => runDto(s, r, now))
        const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`)
        emit(opts, { runs }, (v) =>
          v.runs.length
            ? table([
                ['run', 'status', 'preset', 'data', 'backend', 'epochs', 'time', 'val acc', 'test acc', 'macro F1'],
                ...v.runs.map((r) => [
                  r.run,
                  r.status,
                  r.preset,
                  `v${r.datasetVersion}`,
                  r.backend ?? '–',
                  r.epochs,
                  `${r.seconds.toFixed(0)} s`,
                  pct(r.valAccuracy),
                  pct(r.testAccuracy),
                  r.macroF1?.toFixed(3) ?? '–',
                ]),
              ])
            : 'No runs yet: studio train',
        )
      }),
    )

  common(program.command('eval'))
    .description('evaluation of a finished run: per-class metrics, confusion matrix, calibration, worst mistakes')
    .argument('<run>', 'run id', parseId)
    .option(
      '--mistakes <n>',
      'how many most-confident mistakes (and least-confident right answers) to list',
      parseId,
      10,
    )
    .option('--cell <true/predicted>', 'list the images of one confusion-matrix cell, e.g. --cell cat/dog')
    .option('--by <attribute>', 'metrics per value of an image attribute (site, origin, size, …), worst first')
    .option('--class <class>', 'with --by: this class’s recall per value (equal opportunity)')
    .action((runId: number, opts: CommonOptions & { mistakes: number; cell?: string; by?: string; class?: string }) =>
      withStudio(opts, (s) => {
        if (opts.class !== undefined && !opts.by) throw new ValidationError('--class needs --by <attribute>')
        if (opts.by !== undefined) return evalByAttribute(s, opts, runId, opts.by, opts.class)
        if (opts.cell) {
          const [t, p] = opts.cell.split('/')
          if (!t || !p)
            throw new ValidationError(`--cell must look like true/predicted (got ${JSON.stringify(opts.cell)})`)
          return emit(opts, { run: runId, true: t, predicted: p, images: confusionCell(s, runId, t, p) }, (v) =>
            v.images.length
              ? table(v.images.map((i) => [`#${i.image}`, i.path, `${(i.confidence * 100).toFixed(1)} %`]))
              : 'No images in this cell',
          )
        }
        const out = evaluation(s, runId, opts.mistakes)
        emit(opts, out, (v) => {
          const n = v.classes
          const f3 = (x: number) => x.toFixed(3)
          return [
            `Run ${v.run} on the ${v.split} split (${plural(v.count, 'image')}): ` +
              `accuracy ${(v.accuracy * 100).toFixed(1)} %, loss ${f3(v.loss)}, ECE ${f3(v.ece)}`,
            '',
            // Test-time augmentation and temperature: the figures with and without, and why (runs since them).
            ...(afterTrainingSection(v) ? [afterTrainingSection(v).replace(/^### /, '')] : []),
            table([
              ['class', 'precision', 'recall', 'F1', 'support'],
              ...n.map((c, i) => [
                c,
                f3(v.perClass[i]!.precision),
                f3(v.perClass[i]!.recall),
                f3(v.perClass[i]!.f1),
                v.perClass[i]!.support,
              ]),
              ['macro', f3(v.macro.precision), f3(v.macro.recall), f3(v.macro.f1), v.count],
              ['weighted', f3(v.weighted.precision), f3(v.weighted.recall), f3(v.weighted.f1), v.count],
            ]),
            '',
            'Confusion (rows true, columns predicted):',
            table([['', ...n], ...n.map((c, i) => [c, ...v.confusion[i]!])]),
            '',
            v.mistakes.length
              ? 'Most confident mistakes:\n' +
                table(
                  v.mistakes.map((m) => [
                    `#${m.image}`,
                    m.path,
                    `${m.true} → ${m.predicted}`,
                    `${(m.confidence * 100).toFixed(1)} %`,
                  ]),
                )
              : 'No mistakes.',
            '',
            'Least confident right answers:\n' +
              table(
                v.leastConfidentCorrect.map((m) => [
                  `#${m.image}`,
                  m.path,
                  m.true,
                  `${(m.confidence * 100).toFixed(1)} %`,
                ]),
              ),
          ].join('\n')
        })
      }),
    )

  common(program.command('predict'))
    .description('classify image files (or project images by id/path) with a finished run’s model')
    .argument('<run>', 'run id', parseId)
    .argument('<images...>', 'image files, or project image ids / relative paths')
    .action((runId: number, images: string[], opts: CommonOptions) =>
      withStudio(opts, async (s) => {
        const { predictImages } = await import('../../engine/training/predict')
        const predictions = await predictImages(s, runId, images)
        emit(opts, { predictions }, (v) =>
          table(v.predictions.map((p) => [p.input, p.label, `${(p.confidence * 100).toFixed(1)} %`])),
        )
      }),
    )

  registerExport(program)
}
