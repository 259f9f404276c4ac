import type { CalibrationFiguresDto, TemperatureDto, TtaDto } from '../../../preload/contract'

/** One row of the calibration table: a way of predicting and its figures on the evaluation split. */
export interface CalibrationRow {
  label: string
  figures: CalibrationFiguresDto
  /** The way the model predicts now (what the headline figures and the export use). */
  used: boolean
}

/**
 * The evaluation split's figures step by step: plain, with the mirror image (where it was measured),
 * then with the temperature (where one was fitted), the one the model uses marked.
 */
export function calibrationRows(tta: TtaDto | undefined, temperature: TemperatureDto | undefined): CalibrationRow[] {
  const rows: CalibrationRow[] = []
  const ttaUsed = tta?.used ?? false
  const tUsed = temperature?.applied ?? false
  if (tta?.eval) {
    rows.push({ label: 'plain', figures: tta.eval.plain, used: !ttaUsed && !tUsed })
    rows.push({ label: 'mean with the mirror image (TTA)', figures: tta.eval.tta, used: ttaUsed && !tUsed })
  } else if (temperature?.eval) {
    rows.push({ label: 'plain', figures: temperature.eval.before, used: !tUsed })
  }
  if (temperature?.eval && temperature.fitted !== null) {
    const base = ttaUsed ? 'TTA + ' : ''
    rows.push({
      label: `${base}temperature T = ${temperature.fitted.toFixed(2)}`,
      figures: temperature.eval.after,
      used: tUsed,
    })
  }
  return rows
}

/** The decisions in words: what was chosen on the val split and why. */
export function calibrationDecisions(tta: TtaDto | undefined, temperature: TemperatureDto | undefined): string[] {
  const out: string[] = []
  if (tta) out.push(`Test-time augmentation (${tta.mode}): ${tta.used ? 'on' : 'off'} — ${tta.reason}.`)
  if (temperature)
    out.push(
      `Temperature scaling (${temperature.mode}): ${temperature.applied ? `T = ${temperature.value.toFixed(3)} in the model` : 'not applied'} — ${temperature.reason}.`,
    )
  return out
}
