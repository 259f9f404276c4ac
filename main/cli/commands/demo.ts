import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Option, type Command } from 'commander'
import { parseId } from './project'
import { plural } from '../../engine/plural'

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole loop, headless: generate a 4-class shapes set, import, train (the seed CNN, or --preset transfer ' +
        'on the best bundled backbone), evaluate, export',
    )
    .option('--dir <dir>', 'where to put everything (default: a new temporary folder)')
    .option('--per-class <n>', 'images per class', parseId, 100)
    .addOption(new Option('--preset <name>', 'what to train').choices(['seed-cnn', 'transfer']).default('seed-cnn'))
    .option('--epochs <n>', "training epochs (default 8; transfer: the preset's)", parseId)
    .action(async (opts: { dir?: string; perClass: number; preset: string; epochs?: number }) => {
      // The engine (TF.js, sharp, the export chain) loads when the demo runs, not with the CLI.
      const [{ predictImages }, { exportRun }, { Studio }, { startTraining }, { SHAPES, writeShapes }, { evaluation }] =
        await Promise.all([
          import('../../engine/training/predict'),
          import('../../engine/export/bundle'),
          import('../../engine/studio'),
          import('../../engine/training/runner'),
          import('../demo-shapes'),
          import('../../engine/evaluation/report'),
        ])
      const t0 = Date.now()
      const dir = path.resolve(opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'studio-demo-')))
      const log = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}\n`)
      const images = path.join(dir, 'images')
      log(`generating ${plural(opts.perClass, 'image')} of each of ${SHAPES.join(', ')} in ${images}`)
      await writeShapes(images, opts.perClass)
      const studio = Studio.init(path.join(dir, 'project'))
      try {
        const imp = await studio.import(images)
        log(`imported ${plural(imp.imported, 'image')} into ${studio.root}`)
        // Transfer needs no models folder: the best bundled backbone is its default.
        const config =
          opts.preset === 'transfer'
            ? { preset: 'transfer', ...(opts.epochs ? { epochs: opts.epochs } : {}) }
            : // A short recipe pinned for 400 images (the preset's batch 64 and one-cycle suit large sets).
              {
                epochs: opts.epochs ?? 8,
                inputSize: 48,
                learningRate: 0.002,
                batchSize: 32,
                weightDecay: 0,
                schedule: 'constant' as const,
              }
        const handle = startTraining(studio, config, (e) => {
          if (e.type === 'start') {
            const run = `training run ${e.runId} (${opts.preset}) on ${plural(e.trainCount, 'image')}`
            log(`${run}, backend ${e.backend} (${e.backendReason})`)
          }
          if (e.type === 'epoch')
            log(
              `epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, val accuracy ${((e.valAccuracy ?? 0) * 100).toFixed(1)} %`,
            )
        })
        const { backbone } = JSON.parse(studio.store.runs.get(handle.runId)!.config) as { backbone: string | null }
        if (backbone) log(`backbone ${backbone}`)
        const status = await handle.done
        const run = studio.store.runs.get(handle.runId)!
        if (status !== 'done') throw new Error(`training ${status}: ${run.error}`)
        const ev = evaluation(studio, handle.runId, 3)
        log(
          `test accuracy ${(ev.accuracy * 100).toFixed(1)} %, macro F1 ${ev.macro.f1.toFixed(3)}, ECE ${ev.ece.toFixed(3)}`,
        )
        const exp = exportRun(studio, handle.runId, path.join(dir, 'export'))
        log(`exported to ${exp.dir} (${exp.files.join(', ')}) and ${exp.zip}`)
        const sample = path.join(images, 'triangle', 'triangle-0000.jpg')
        const [p] = await predictImages(studio, handle.runId, [sample])
        log(`predict ${path.relative(dir, sample)} → ${p!.label} (${(p!.confidence * 100).toFixed(1)} %)`)
        process.stdout.write(
          [
            '',
            `Everything is in ${dir}:`,
            `  images/   the generated set`,
            `  project/  the Studio project (try: npx studio runs --project ${path.join(dir, 'project')})`,
            `  export/   the exported model with model-card.md and predict.mjs`,
            '',
          ].join('\n'),
        )
      } finally {
        studio.close()
      }
    })
}
