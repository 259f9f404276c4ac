import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import { withStudio } from '../context'
import { common, emit, type CommonOptions } from '../output'
import { parseId } from './project'

interface ExplainOptions extends CommonOptions {
  class?: string
  out: string
  opacity: string
}

export function registerExplain(program: Command): void {
  common(program.command('explain'))
    .description('where a finished run looks in an image (Grad-CAM), as a heat-map overlay PNG')
    .argument('<run>', 'run id', parseId)
    .argument('<image>', 'an image file, or a project image id / hash prefix / relative path')
    .option('--class <name>', 'explain this class instead of the predicted one')
    .requiredOption('--out <file>', 'where to write the overlay PNG')
    .option('--opacity <0-1>', 'heat-map opacity', '0.6')
    .action((runId: number, image: string, opts: ExplainOptions) =>
      withStudio(opts, async (s) => {
        const opacity = Number(opts.opacity)
        if (!(opacity >= 0 && opacity <= 1))
          throw new ValidationError(`--opacity must be between 0 and 1 (got ${opts.opacity})`)
        const out = path.resolve(opts.out)
        const [{ explain }, { overlayPng }] = await Promise.all([
          import('../../engine/explain/explain'),
          import('../../engine/explain/overlay'),
        ])
        const e = await explain(s, runId, image, opts.class ?? null)
        fs.mkdirSync(path.dirname(out), { recursive: true })
        fs.writeFileSync(out, await overlayPng(e.file, e, { opacity, fit: e.fit }))
        const probabilities = Object.fromEntries(e.classes.map((c, i) => [c, e.probs[i]!]))
        emit(
          opts,
          {
            run: runId,
            image,
            class: e.className,
            probability: e.probs[e.classIndex]!,
            probabilities,
            layer: e.layer,
            out,
            cached: e.cached,
          },
          (v) =>
            `Run ${v.run}: where it looks for ${JSON.stringify(v.class)} (p = ${(v.probability * 100).toFixed(1)} %, layer ${v.layer}) → ${v.out}`,
        )
      }),
    )
}
