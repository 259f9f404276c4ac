import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Command } from 'commander'
import { predictImages } from '../../engine/training/predict'
import { exportRun } from '../../engine/export/bundle'
import { Studio } from '../../engine/studio'
import { startTraining } from '../../engine/training/runner'
import { SHAPES, writeShapes } from '../demo-shapes'
import { evaluation } from '../../engine/evaluation/report'
import { parseId } from './project'
import { plural } from '../../engine/plural'

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole loop, headless: generate a 4-class shapes set, import, train the seed CNN, evaluate, export',
    )
    .option('--dir <dir>', 'where to put everything (default: a new temporary folder)')
    .option('--per-class <n>', 'images per class', parseId, 100)
    .option('--epochs <n>', 'training epochs', parseId, 8)
    .action(async (opts: { dir?: string; perClass: number; epochs: number }) => {
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
        const handle = startTraining(studio, { epochs: opts.epochs, inputSize: 48, learningRate: 0.002 }, (e) => {
          if (e.type === 'start')
            log(
              `training run ${e.runId} on ${plural(e.trainCount, 'image')}, backend ${e.backend} (${e.backendReason})`,
            )
          if (e.type === 'epoch')
            log(
              `epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, val accuracy ${((e.valAccuracy ?? 0) * 100).toFixed(1)} %`,
            )
        })
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
