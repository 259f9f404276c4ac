import type { TemperatureRecord, TtaRecord } from './calibration'

/**
 * The model card's words for what happened after training (test-time augmentation, temperature
 * scaling) and for how an Auto run was configured. Markdown; empty for runs without them.
 */

const pct = (x: number) => `${(x * 100).toFixed(1)} %`
const row = (label: string, f: { accuracy: number; loss: number; ece: number }) =>
  `| ${label} | ${pct(f.accuracy)} | ${f.loss.toFixed(3)} | ${f.ece.toFixed(3)} |`

/** Figures with and without the mirror image and the temperature, and each decision's reason. */
export function afterTrainingSection(s: { split: string; tta?: TtaRecord; temperature?: TemperatureRecord }): string {
  const { tta, temperature: t } = s
  if (!tta && !t) return ''
  const rows: string[] = []
  if (tta?.eval) rows.push(row('plain', tta.eval.plain), row('mean with the mirror image', tta.eval.tta))
  else if (t?.eval) rows.push(row('plain', t.eval.before))
  if (t?.eval && t.fitted !== null)
    rows.push(row(`${tta?.used ? 'mirror + ' : ''}temperature ${t.fitted.toFixed(3)}`, t.eval.after))
  const lines = [
    '### Test-time augmentation and temperature',
    '',
    `Decided on the val split, measured on the ${s.split} split.`,
    '',
  ]
  if (rows.length) lines.push('| prediction | accuracy | log loss | ECE |', '|---|---|---|---|', ...rows, '')
  if (tta)
    lines.push(
      `- Test-time augmentation (${tta.mode}): **${tta.used ? 'used' : 'not used'}** — ${tta.reason}.` +
        (tta.used
          ? ' Every runtime averages the image and its mirror image (preprocessing.json `"tta": "flip"`),' +
            " except Teachable Machine's library: a tm/ copy predicts without the mirror."
          : ''),
    )
  if (t)
    lines.push(
      `- Temperature scaling (${t.mode}): ` +
        (t.applied
          ? `**T = ${t.value.toFixed(3)}**, folded into the final layer (kernel and bias ÷ T), so every format carries it`
          : '**not applied**') +
        ` — ${t.reason}.`,
    )
  return lines.join('\n') + '\n'
}

/** How "Train the best model" configured the run, choice by choice. */
export function autoSection(config: {
  auto?: {
    budgetSeconds: number
    estimateSeconds: number
    choices: { what: string; value: string; why: string }[]
  } | null
}): string {
  const a = config.auto
  if (!a) return ''
  return [
    `Configured by **Train the best model** (budget ${Math.round(a.budgetSeconds)} s, estimated ${Math.round(a.estimateSeconds)} s):`,
    '',
    ...a.choices.map((c) => `- ${c.what}: **${c.value}** — ${c.why}`),
    '',
  ].join('\n')
}
