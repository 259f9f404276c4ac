import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { StudioError } from '../errors'
import type { DatasetItem, ProjectPaths } from '../store'
import { makeInputs } from './batches'
import { localRunner, type FeatureRunner } from './extract-pool'
import { augmentedInputs, augmentKey, drawCopy, type FeatureAugment } from './feature-augment'
import type { InputSpec, PixelProblem, PixelSet } from './pixels'
import { concat, extractCached, extractFeatures, featureDir, gatherRows, splitChunks, type Backbone } from './transfer'

/**
 * A split's features as the transfer preset's recipe needs them: the plain pass and, for the
 * training split, `copies` augmented passes (feature-augment.ts), all cached on disk; with
 * fine-tuning also, per pass, the activation that enters the first unfrozen stage (kept in memory
 * for the run: the frozen part of the backbone runs once per image and copy, the unfrozen stages
 * run every fine-tuning epoch).
 */
export interface SplitPasses {
  imageIds: number[]
  labels: Int32Array
  /** Pooled features per pass (0: plain, 1…: the copies), each images × featureDim. */
  features: Float32Array[]
  /** Per pass, the activations entering the stage (images × h·w·c), when a stage was asked for. */
  maps: Float32Array[] | null
  /** [h, w, c] of one activation; null without maps. */
  mapShape: [number, number, number] | null
}

export interface PassOptions {
  /** Augmented passes besides the plain one. */
  copies: number
  augment: FeatureAugment
  seed: number
  /** Keep the activation entering this stage of the backbone's fused chain; null: pooled features only. */
  stage: number | null
  batchSize: number
  /** Runs the backbone for the pooled passes (default: this thread); stage passes run on this thread. */
  runner?: FeatureRunner
}

export async function splitPasses(
  paths: ProjectPaths,
  backbone: Backbone,
  items: DatasetItem[],
  spec: InputSpec,
  hashes: Map<number, string>,
  onProblem: (p: PixelProblem) => void,
  opts: PassOptions,
  chunk = 256,
): Promise<SplitPasses> {
  if (opts.copies > 0 || opts.stage !== null) {
    if (opts.stage !== null && !backbone.fused)
      throw new StudioError(
        `fine-tuning needs a layers-model backbone of fusable convolutions; ${backbone.name} is not`,
      )
  }
  let mapShape: [number, number, number] | null = null
  const runner = opts.runner ?? localRunner(backbone)
  const { imageIds, labels, parts } = await splitChunks(paths, items, spec, onProblem, chunk, async (set) => {
    const inputs = (pass: number) => (rows: number[]) =>
      pass === 0
        ? makeInputs(set, rows, backbone.scaling)
        : augmentedInputs(
            set,
            rows,
            rows.map((i) => drawCopy(opts.augment, opts.seed, hashes.get(set.imageIds[i]!)!, pass)),
            backbone.scaling,
          )
    const features: Float32Array[] = []
    const maps: Float32Array[] = []
    for (let pass = 0; pass <= opts.copies; pass++) {
      if (opts.stage === null) {
        features.push(
          pass === 0
            ? await extractFeatures(paths, backbone, set, hashes, opts.batchSize, runner)
            : await augmentedFeatures(paths, backbone, set, hashes, opts, pass, runner),
        )
        continue
      }
      const got = stagePass(backbone, set.imageIds.length, opts.stage, inputs(pass), opts.batchSize)
      mapShape = got.shape
      features.push(got.features)
      maps.push(got.maps)
    }
    return { features, maps }
  })
  const passes = opts.copies + 1
  const pick = (f: (p: (typeof parts)[number]) => Float32Array[], k: number) => concat(parts.map((p) => f(p)[k]!))
  return {
    imageIds,
    labels,
    features: Array.from({ length: passes }, (_, k) => pick((p) => p.features, k)),
    maps: opts.stage === null ? null : Array.from({ length: passes }, (_, k) => pick((p) => p.maps, k)),
    mapShape,
  }
}

/** One augmented pass of a chunk, cached as cache/features/<backbone>-<size>-<fit>/aug-<key>/<hash>-<copy>.f32. */
function augmentedFeatures(
  paths: ProjectPaths,
  backbone: Backbone,
  set: PixelSet,
  hashes: Map<number, string>,
  opts: PassOptions,
  copy: number,
  runner: FeatureRunner,
): Promise<Float32Array> {
  const dir = path.join(featureDir(paths, backbone, set.spec), augmentKey(opts.augment, opts.seed))
  const hash = (i: number) => hashes.get(set.imageIds[i]!)!
  return extractCached(
    paths,
    backbone.featureDim,
    set.imageIds.length,
    (i) => path.join(dir, `${hash(i)}-${copy}.f32`),
    (rows) =>
      runner.run(
        gatherRows(set, rows),
        rows.length,
        rows.map((i) => drawCopy(opts.augment, opts.seed, hash(i), copy)),
      ),
    opts.batchSize,
    runner.depth,
  )
}

/** The fused chain up to `stage` (kept) and on to the pooled features, for n images. */
function stagePass(
  backbone: Backbone,
  n: number,
  stage: number,
  inputs: (rows: number[]) => tf.Tensor4D,
  batchSize: number,
): { features: Float32Array; maps: Float32Array; shape: [number, number, number] } {
  const fused = backbone.fused!
  const features = new Float32Array(n * backbone.featureDim)
  let maps = new Float32Array(0)
  let shape: [number, number, number] = [0, 0, 0]
  for (let s = 0; s < n; s += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k)
    const [m, f] = tf.tidy(() => {
      const map = fused.mapUntil(inputs(rows), stage)
      return [map, fused.mapFrom(map, stage).mean([1, 2])] as const
    })
    if (!maps.length) {
      shape = m.shape.slice(1) as [number, number, number]
      maps = new Float32Array(n * shape[0] * shape[1] * shape[2])
    }
    maps.set(m.dataSync(), s * shape[0] * shape[1] * shape[2])
    features.set(f.dataSync(), s * backbone.featureDim)
    tf.dispose([m, f])
  }
  return { features, maps, shape }
}
