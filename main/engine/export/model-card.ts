import type { AttributeEvaluation } from '../attributes/by-attribute'
import { afterTrainingSection, autoSection } from '../evaluation/card-sections'
import type { EvaluationSummary } from '../evaluation/metrics'
import type { DatasetVersion, EpochRecord, RunRecord, Split } from '../store'
import type { TrainConfig } from '../training/config'
import { RECIPE_OFF, recipeWith } from '../training/recipe'
import { plural } from '../plural'
import { exportLimitation, exportSection, type ExportedFormatCard } from './model-card-export'

export interface CardInput {
  run: RunRecord
  config: TrainConfig
  version: DatasetVersion
  splitCounts: Record<Split, number[]>
  epochs: EpochRecord[]
  summary: EvaluationSummary & { split: string }
  problems: { imageId: number; reason: string }[]
  /** What was checked in the data, found and fixed (quality/card.ts); absent: the section says nothing was recorded. */
  dataChecks?: DataChecks
  /** The evaluation split by image attributes (attributes/by-attribute.ts); `ownAttributes`: the user's, not built in. */
  subgroups?: { ownAttributes: boolean; reports: AttributeEvaluation[] }
  /** The exported formats with their self-tests; absent: the card was written before (or without) the test. */
  exported?: ExportedFormatCard[]
  /** Further sections (Markdown, each starting with its `## ` heading), placed before "Known limitations". */
  extraSections?: string[]
}

/** The model card's "Data checks": the last health report and the latest label check with its decisions. */
export interface DataChecks {
  /**
   * The findings of the last health report (empty: none stored): each kind's count in its own unit
   * (groups for near-duplicates and leakage, classes for class findings, files for skipped and
   * unreadable files, else images) and how many images it concerns.
   */
  health: { kind: string; count: number; unit: string; images: number }[]
  labelCheck: {
    createdAt: string
    backbone: string
    source: string
    checked: number
    flagged: number
    /** Suspects not decided yet; null when the labels changed since the check (it is stale). */
    undecided: number | null
    accepted: number
    relabeled: number
    kept: number
    /** Accepted or relabeled before the run's dataset version was frozen: the model learned the corrected labels. */
    fixedBeforeTraining: number
  } | null
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`
const f3 = (x: number) => x.toFixed(3)

/** A model card in Markdown: what the model is, what it was trained on, how well it does, and where it may fail. */
export function modelCard(c: CardInput): string {
  const names = c.version.classes.map((k) => k.name)
  const s = c.summary
  const table = (head: string[], rows: (string | number)[][]) =>
    [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n')
  const weakest = names
    .map((n, i) => ({ n, f1: s.perClass[i]!.f1, support: s.perClass[i]!.support }))
    .sort((a, b) => a.f1 - b.f1)[0]!
  const totals = names.map((_, i) => c.splitCounts.train[i]! + c.splitCounts.val[i]! + c.splitCounts.test[i]!)
  const imbalance = Math.max(...totals) / Math.max(1, Math.min(...totals))
  return `# Model card: run ${c.run.id} (${c.config.preset})

Image classifier for ${names.length} classes: ${names.map((n) => `\`${n}\``).join(', ')}.
Trained with Studio on ${c.run.createdAt.slice(0, 10)}; backend \`${c.run.backend} ${c.run.backendVersion}\` (${c.run.backendReason}).

## Data (dataset version ${c.version.id})

Split seed ${c.version.seed}, fractions train ${c.version.fractions.train} / val ${c.version.fractions.val} / test ${c.version.fractions.test}${c.version.useOriginSplits ? ', import origins kept as splits' : ''}.

${table(
  ['class', 'train', 'val', 'test'],
  names.map((n, i) => [n, c.splitCounts.train[i]!, c.splitCounts.val[i]!, c.splitCounts.test[i]!]),
)}
${
  c.problems.length
    ? `\n${plural(c.problems.length, 'image')} could not be read and were left out: ${c.problems
        .slice(0, 10)
        .map((p) => `#${p.imageId} (${p.reason})`)
        .join(', ')}${c.problems.length > 10 ? ', …' : ''}.\n`
    : ''
}
## Data checks

${dataChecksSection(c.dataChecks)}

## Training

${autoSection(c.config)}
${table(
  ['setting', 'value'],
  [
    ['input', `${c.config.inputSize}×${c.config.inputSize} RGB, fit ${c.config.fit}`],
    ['epochs (run / planned)', `${c.epochs.length} / ${c.config.epochs}`],
    ['batch size', c.config.batchSize],
    ['optimizer', `${c.config.optimizer}, learning rate ${c.config.learningRate}`],
    [
      'early stopping',
      c.config.patience === null ? 'off' : `patience ${c.config.patience}, restore best ${c.config.restoreBest}`,
    ],
    [
      'augmentation',
      c.config.augment
        ? Object.entries(c.config.augment)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : 'none',
    ],
    ...recipeRows(c.config),
    ...transferRows(c.config),
    ['class weights', c.config.classWeights ? 'inverse frequency' : 'none'],
    ['seed', c.config.seed],
  ],
)}

${table(
  ['epoch', 'loss', 'accuracy', 'val loss', 'val accuracy'],
  c.epochs.map((e) => [
    e.epoch,
    f3(e.loss ?? NaN),
    pct(e.accuracy ?? 0),
    e.valLoss === null ? '–' : f3(e.valLoss),
    e.valAccuracy === null ? '–' : pct(e.valAccuracy),
  ]),
)}

## Results on the ${s.split} split (${plural(s.count, 'image')})

Accuracy **${pct(s.accuracy)}**, loss ${f3(s.loss)}, macro F1 ${f3(s.macro.f1)}, ${s.topK.map((t) => `top-${t.k} ${pct(t.accuracy)}`).join(', ')}.

${table(
  ['class', 'precision', 'recall', 'F1', 'support'],
  [
    ...names.map((n, i) => [
      n,
      f3(s.perClass[i]!.precision),
      f3(s.perClass[i]!.recall),
      f3(s.perClass[i]!.f1),
      s.perClass[i]!.support,
    ]),
    ['macro avg', f3(s.macro.precision), f3(s.macro.recall), f3(s.macro.f1), s.count],
    ['weighted avg', f3(s.weighted.precision), f3(s.weighted.recall), f3(s.weighted.f1), s.count],
  ],
)}

### Confusion matrix (rows: true class, columns: predicted)

${table(
  ['', ...names],
  names.map((n, i) => [`**${n}**`, ...s.confusion[i]!]),
)}

### Calibration

Expected calibration error **${f3(s.ece)}** (10 equal-width confidence bins; 0 is perfectly calibrated).

${table(
  ['confidence', 'images', 'mean confidence', 'accuracy'],
  s.bins
    .filter((b) => b.count)
    .map((b) => [`${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`, b.count, f3(b.confidence), f3(b.accuracy)]),
)}

${afterTrainingSection(s)}
${subgroupSection(c.subgroups)}
${extraSections([exportSection(c.exported), ...(c.extraSections ?? [])])}
## Known limitations

- Measured on ${s.count} held-out images from the same collection as the training data; accuracy on images from
  other cameras, places or times is unknown and usually lower.
- Weakest class: \`${weakest.n}\` (F1 ${f3(weakest.f1)} over ${plural(weakest.support, 'image')}).${imbalance > 3 ? `\n- Classes are imbalanced (largest/smallest ${imbalance.toFixed(1)}×); minority classes may be under-predicted.` : ''}
- The model always answers with one of the ${names.length} classes above, even for images that show none of them;
  use the confidence (see calibration) to flag uncertain answers.
${subgroupLimitation(c.subgroups)}${exportLimitation(c.exported)}
- Preprocessing must match \`preprocessing.json\` exactly (EXIF orientation, resize, scaling).
`
}

/** Sections between the results and the limitations, each set apart by blank lines; '' when there are none. */
function extraSections(sections: string[]): string {
  return sections
    .filter((x) => x.trim())
    .map((x) => `\n${x.trim()}\n`)
    .join('')
}

function dataChecksSection(d: DataChecks | undefined): string {
  if (!d) return 'No data checks were recorded for this export.'
  const health = d.health.length
    ? `- **Health report** (the last one computed): ${d.health.map(healthCount).join(', ')}.`
    : '- **Health report**: no findings stored (none were found, or the report was not run: `studio health`).'
  const l = d.labelCheck
  if (!l)
    return `${health}\n- **Label check**: not run (\`studio suspects\` finds images whose label is probably wrong).`
  const fixed = l.accepted + l.relabeled
  return [
    health,
    `- **Label check** (${l.createdAt.slice(0, 10)}, ${l.source}): ${plural(l.checked, 'labeled image')} checked, ` +
      `${plural(l.flagged, 'image')} flagged as probably mislabeled` +
      (l.undecided === null ? ' (labels changed since the check).' : `, ${l.undecided} not yet reviewed.`),
    `- **Fixed**: ${plural(l.accepted, 'suggested label')} accepted, ${plural(l.relabeled, 'image')} relabeled by hand, ` +
      `${plural(l.kept, 'label')} confirmed as right; ` +
      (fixed
        ? `${l.fixedBeforeTraining} of the ${plural(fixed, 'change')} came before this run's data was frozen.`
        : 'no label was changed.'),
  ].join('\n')
}

/** "near-duplicate 3 groups (7 images)", "empty-class 1 class", "outlier-dark 2 images". */
function healthCount(h: DataChecks['health'][number]): string {
  const n = `${h.kind} ${plural(h.count, h.unit, h.unit === 'class' ? 'classes' : `${h.unit}s`)}`
  return h.unit !== 'image' && h.images ? `${n} (${plural(h.images, 'image')})` : n
}

/** "Performance by subgroup": a table per attribute, the attributes with the largest gap first. */
function subgroupSection(g: CardInput['subgroups']): string {
  if (!g?.reports.length) return ''
  const worstGap = (r: AttributeEvaluation) => Math.min(0, ...r.slices.filter((x) => !x.small).map((x) => x.gap))
  const reports = [...g.reports].sort((a, b) => worstGap(a) - worstGap(b))
  const blocks = reports.map((r) => {
    const rows = r.slices.map((x) => [
      x.small ? `${x.value} *` : x.value,
      x.support,
      `${pct(x.accuracy)} (${pct(x.accuracyCi[0])}–${pct(x.accuracyCi[1])})`,
      `${x.gap >= 0 ? '+' : '−'}${pct(Math.abs(x.gap))}`,
      f3(x.macroF1),
      f3(x.ece),
    ])
    const head = `| ${r.attribute} | images | accuracy (95 %) | gap to overall | macro F1 | ECE |\n|---|---|---|---|---|---|`
    return `### By ${r.attribute}\n\n${head}\n${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}`
  })
  const source = g.ownAttributes
    ? 'by the attributes recorded for the images'
    : "by built-in attributes only (image size and brightness); no attributes of the images' origin were recorded"
  return `## Performance by subgroup

Accuracy on the ${reports[0]!.split ?? 'evaluation'} split ${source}, worst gaps first. \\* too few images to conclude
(fewer than 30, or an interval wider than 20 points).

${blocks.join('\n\n')}`
}

function subgroupLimitation(g: CardInput['subgroups']): string {
  if (g?.ownAttributes) {
    const gaps = g.reports.flatMap((r) => r.slices.filter((x) => !x.small).map((x) => ({ r, x })))
    const worst = gaps.sort((a, b) => a.x.gap - b.x.gap)[0]
    return worst && worst.x.gap < 0
      ? `- The largest subgroup gap: ${worst.r.attribute} = \`${worst.x.value}\` is ${pct(-worst.x.gap)} below the overall accuracy
  (see Performance by subgroup); subgroups not recorded as attributes were not checked.`
      : '- No recorded subgroup does measurably worse; subgroups not recorded as attributes were not checked.'
  }
  return `- Performance has not been checked per subgroup of who or where the images come from (no such attributes were
  recorded: import a CSV with extra columns or use \`studio attr set\`); do that before relying on the model for
  decisions about people.`
}

/** The recipe's rows (recipe.ts); a config from before a field reads as that field off, as the trainer read it. */
function recipeRows(config: TrainConfig): [string, string][] {
  const r = recipeWith(config, RECIPE_OFF)
  const d = r.dropout
  const rows: [string, string][] = [
    [
      'learning-rate schedule',
      r.schedule === 'onecycle'
        ? `one-cycle, peak ${config.learningRate}`
        : r.schedule === 'cosine'
          ? `cosine from ${config.learningRate} down to 0`
          : 'constant',
    ],
    ['warm-up', r.warmupEpochs ? `${r.warmupEpochs} epochs` : 'none'],
    ['weight decay', r.weightDecay ? `decoupled (AdamW-style), ${r.weightDecay}` : 'none'],
    ['label smoothing', r.labelSmoothing ? `ε = ${r.labelSmoothing}` : 'none'],
  ]
  if (config.preset !== 'seed-cnn') return rows
  return [
    ...rows,
    [
      'dropout',
      d.beforeDense || d.afterDense ? `${d.beforeDense} before the dense layer, ${d.afterDense} after it` : 'none',
    ],
    [
      'convolution padding',
      r.samePadding
        ? `the last ${r.samePadding} of the 3 convolutions zero-padded ('same'), the others 'valid'`
        : "none ('valid', the classic layers)",
    ],
    [
      'batch normalization',
      r.batchNorm
        ? 'after each of the 3 poolings (moving mean and variance, momentum 0.99; not in the classic layers)'
        : 'none (the classic layers)',
    ],
  ]
}

/** The transfer recipe's rows (feature augmentation, fine-tuning, class scores, averaged heads); none for other presets or older runs. */
function transferRows(config: TrainConfig): [string, string][] {
  if (config.preset !== 'transfer' || !config.featureAugment || !config.fineTune) return []
  const a = config.featureAugment
  const f = config.fineTune
  return [
    [
      'feature augmentation',
      a.copies
        ? `${a.copies} cached copies per training image: crop ≥ ${a.minCrop} of the side, ` +
          `${a.flip ? 'mirror' : 'no mirror'}, colour ±${a.color}`
        : 'none',
    ],
    [
      'fine-tuning',
      f.blocks
        ? `last ${f.blocks} backbone block(s), ${f.epochs} epochs at learning rate ${f.learningRate}, batch norm statistics frozen`
        : 'none (backbone frozen)',
    ],
    [
      'class scores',
      config.classScores
        ? `the backbone's own classifier's class probabilities (×${config.classScores}) appended to its pooled ` +
          'features; the model computes them (a softmax layer beside the features)'
        : 'none',
    ],
    [
      'heads averaged',
      (config.heads ?? 1) > 1
        ? `${config.heads} heads trained from different seeds, each stopped at its best val epoch, ` +
          'their weights averaged into the one head the model keeps (the mean of their logits)'
        : 'one head',
    ],
  ]
}
