import type { PresetDto, RunDto } from '../../../preload/contract'
import { pct } from './format'
import { hasField, type TrainForm } from './train-form'
import { validateRecipe, type RecipeField } from './train-recipe'
import { transferProblems, type TransferField } from './train-transfer'

/** Form fields that can carry a message; `split` covers the three percentages. */
export type TrainField =
  'inputSize' | 'epochs' | 'batchSize' | 'learningRate' | 'patience' | 'seed' | 'split' | RecipeField | TransferField
export type TrainErrors = Partial<Record<TrainField, string>>

/** An empty number field arrives as '' from v-model.number; anything but a finite number is no number. */
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function whole(v: unknown, lo: number, hi: number, what = ''): string | undefined {
  if (!isNumber(v)) return 'Enter a number.'
  if (!Number.isInteger(v)) return `Enter a whole number${what ? ` of ${what}` : ''}.`
  if (v < lo || v > hi) return lo === hi ? `This model takes ${lo} only.` : `Enter ${lo} to ${hi}.`
  return undefined
}

/**
 * The form's problems, one message per field, in the words the form uses (the engine's own checks are
 * the same; these reach the user before a request is sent, next to the field).
 */
export function validateTrainForm(form: TrainForm, preset: PresetDto | undefined): TrainErrors {
  const e: TrainErrors = {}
  const set = (k: TrainField, m: string | undefined) => {
    if (m) e[k] = m
  }
  if (preset && hasField(preset, 'inputSize'))
    set('inputSize', whole(form.inputSize, preset.inputSize.min, preset.inputSize.max, 'pixels'))
  set('epochs', whole(form.epochs, 1, 1000, 'epochs'))
  set('batchSize', whole(form.batchSize, 1, 1024, 'images'))
  if (!isNumber(form.learningRate)) set('learningRate', 'Enter a number, e.g. 0.001.')
  else if (form.learningRate <= 0) set('learningRate', 'The learning rate must be above 0 (e.g. 0.001 or 0.00025).')
  set('patience', whole(form.patience, 0, 1000, 'epochs'))
  set('seed', whole(form.seed, 0, 2 ** 31 - 1))
  set('split', splitProblem(form))
  return { ...e, ...validateRecipe(form, preset), ...(preset ? transferProblems(form, preset) : {}) }
}

function splitProblem(f: TrainForm): string | undefined {
  const parts = [f.train, f.val, f.test]
  if (!parts.every(isNumber)) return 'Enter a percentage in each box (0 for none).'
  if (parts.some((p) => p < 0 || p > 100)) return 'Each percentage must be from 0 to 100.'
  if (f.train <= 0) return 'Training needs a share above 0 %.'
  return undefined
}

/** The split as the run will use it, when the boxes do not add up to 100: "→ 58.3 / 25.0 / 16.7 %". */
export function normalisedSplit(f: TrainForm): string {
  const total = f.train + f.val + f.test
  if (![f.train, f.val, f.test].every(isNumber) || total <= 0 || Math.abs(total - 100) < 1e-9) return ''
  const share = (p: number) => ((p / total) * 100).toFixed(1)
  return `adds up to ${total} %: the run uses ${share(f.train)} / ${share(f.val)} / ${share(f.test)} %`
}

const FIELD_WORDS: Record<string, string> = {
  inputSize: 'Input size',
  epochs: 'Epochs',
  batchSize: 'Batch',
  learningRate: 'Learning rate',
  patience: 'Early stopping patience',
  seed: 'Seed',
  fractions: 'Split',
  dropout: 'Dropout',
  labelSmoothing: 'Label smoothing',
  schedule: 'Learning-rate schedule',
  warmupEpochs: 'Warm-up epochs',
  weightDecay: 'Weight decay',
  cropPad: 'Crop padding',
  flip: 'Mirror',
  samePadding: 'Zero-padded convolutions',
  batchNorm: 'Batch normalization',
}

/**
 * An engine refusal as the user reads it: the request's name and schema wording go, the field is
 * named as the form names it ("startTraining: epochs: Invalid input: expected number, received
 * string" → "Epochs: not a valid number").
 */
export function humanStartError(message: string): string {
  const m = /^startTraining: ([\w.]+): (.*)$/.exec(message)
  if (!m) return message
  const field = FIELD_WORDS[m[1]!.split('.')[0]!] ?? m[1]!
  const text = /expected boolean/i.test(m[2]!)
    ? 'must be on or off'
    : /expected number|received|invalid/i.test(m[2]!)
      ? 'not a valid number'
      : m[2]!
  return `${field}: ${text}`
}

/** The end of a run in one line: "Run 3 done: test accuracy 91.2 %"; how it ended otherwise. */
export function runEndText(run: RunDto | undefined, runId: number, status: string): string {
  if (status === 'done') {
    const [which, acc] =
      run?.testAccuracy !== null && run?.testAccuracy !== undefined
        ? ['test accuracy', run.testAccuracy]
        : ['validation accuracy', run?.valAccuracy ?? null]
    return acc === null ? `Run ${runId} done.` : `Run ${runId} done: ${which} ${pct(acc)}`
  }
  if (status === 'failed') return `Run ${runId} failed${run?.error ? `: ${run.error}` : '.'}`
  if (status === 'cancelled') return `Run ${runId} was cancelled.`
  return ''
}

/** What continues a cancelled or failed run (there is no resume request yet; the CLI has one). */
export function resumeCommand(runId: number, project: string | null): string {
  const where = project ? ` --project ${/^[\w./:-]+$/.test(project) ? project : JSON.stringify(project)}` : ''
  return `studio train --resume ${runId}${where}`
}
