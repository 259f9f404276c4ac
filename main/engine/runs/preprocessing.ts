import fs from 'node:fs'
import path from 'node:path'
import { NotFoundError, StudioError } from '../errors'
import type { RunPaths } from './layout'

/**
 * preprocessing.json: how an image becomes a finished run's model input. The trainer writes it;
 * Studio's predict, the export (which copies it) and the export's predict.mjs read it.
 */

/** Pixel scaling a model expects. unit: x/255 ∈ [0, 1]; symmetric: x/127.5 − 1 ∈ [−1, 1] (MobileNet). */
export type Scaling = 'unit' | 'symmetric'

/** How an image is fitted into the square input. cover: fill and crop; contain: fit inside, pad with black. */
export type Fit = 'cover' | 'contain'

/** A graph-model backbone that runs before the saved (head) model. */
export interface GraphStage {
  format: 'graph'
  /** Folder next to the model holding the graph model. */
  folder: string
  /** Node whose output feeds the head. */
  output: string
}

export interface Preprocessing {
  /** null: the saved model takes images itself. */
  backbone: GraphStage | null
  /** Square side in pixels. */
  inputSize: number
  fit: Fit
  scaling: Scaling
  /** The scaling as a formula, for people reading the file. */
  scalingFormula: string
  channelOrder: 'RGB'
  layout: 'NHWC'
  exifOrientation: 'applied before resizing'
  /**
   * Test-time augmentation: 'flip' = the probabilities are the mean of the image's and its left–right
   * mirror image's (every runtime of an export does this); null or absent: one pass.
   */
  tta?: 'flip' | null
  /**
   * Temperature scaling fitted on the val split. Already folded into the model's final layer (its
   * kernel and bias divided by `value`), so runtimes do nothing; recorded for people reading the file.
   */
  temperature?: { value: number; foldedIntoFinalLayer: boolean } | null
}

/** What a run decided after training (evaluation/calibration.ts): TTA and the folded temperature. */
export interface Inference {
  tta: boolean
  temperature: number
}

export function preprocessingOf(
  input: { inputSize: number; fit: Fit },
  scaling: Scaling,
  backbone: GraphStage | null,
  inference: Inference = { tta: false, temperature: 1 },
): Preprocessing {
  return {
    backbone,
    inputSize: input.inputSize,
    fit: input.fit,
    scaling,
    scalingFormula: scaling === 'unit' ? 'x / 255' : 'x / 127.5 - 1',
    channelOrder: 'RGB',
    layout: 'NHWC',
    exifOrientation: 'applied before resizing',
    tta: inference.tta ? 'flip' : null,
    temperature: inference.temperature === 1 ? null : { value: inference.temperature, foldedIntoFinalLayer: true },
  }
}

export function writePreprocessing(run: RunPaths, p: Preprocessing): void {
  fs.writeFileSync(run.preprocessing, JSON.stringify(p, null, 2))
}

export function readPreprocessing(run: RunPaths): Preprocessing {
  if (!fs.existsSync(run.preprocessing)) throw new NotFoundError(`the run has no ${run.preprocessing}`)
  try {
    return JSON.parse(fs.readFileSync(run.preprocessing, 'utf8')) as Preprocessing
  } catch (err) {
    throw new StudioError(`${run.preprocessing} is not valid JSON: ${(err as Error).message}`)
  }
}

/**
 * Copies a graph-model backbone into the run folder (it cannot join the layers head as one model)
 * and returns the stage that predict runs before the head.
 */
export function saveGraphStage(run: RunPaths, backboneFolder: string, output: string): GraphStage {
  fs.cpSync(backboneFolder, run.backbone, { recursive: true })
  return { format: 'graph', folder: path.basename(run.backbone), output }
}
