import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import type { JobKind, StudioEvent } from '../../../preload/contract'
import { folderSaver } from '../../../main/engine/training/model-io'
import { sceneRaw } from '../../helpers/scenes'

/** Channel gains per class: a red, a green and a blue world, each with photo-like scenes in it. */
const TINTS: Record<string, [number, number, number]> = {
  red: [1, 0.1, 0.1],
  green: [0.1, 1, 0.1],
  blue: [0.1, 0.1, 1],
}
export const TINT_CLASSES = Object.keys(TINTS)

/** A scene (tests/helpers/scenes.ts) seen through a class's tint: classes a backbone tells apart at once. */
export async function tintedScene(file: string, cls: string, seed: number): Promise<void> {
  const { data, width, height } = sceneRaw(seed, 64, 48)
  const gain = TINTS[cls]!
  // The class's channel stays bright whatever the scene, the others dim: every image clearly its class.
  for (let i = 0; i < data.length; i++) data[i] = gain[i % 3] === 1 ? 120 + data[i]! / 2 : data[i]! * gain[i % 3]!
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file)
}

/**
 * `perClass` tinted scenes per class in class folders under `dir`, except that the images named in
 * `flips` (class/index → wrong class) are written into the wrong class's folder: known wrong labels.
 * Returns the relative paths of the flipped images.
 */
export async function writeTintedSet(
  dir: string,
  perClass: number,
  flips: Record<string, string> = {},
): Promise<string[]> {
  const flipped: string[] = []
  for (const [c, cls] of TINT_CLASSES.entries()) {
    for (let i = 0; i < perClass; i++) {
      const key = `${cls}/${i}`
      const folder = flips[key] ?? cls
      const rel = `${folder}/${cls}-${String(i).padStart(2, '0')}.jpg`
      await tintedScene(path.join(dir, rel), cls, 1000 * c + i)
      if (flips[key]) flipped.push(rel)
    }
  }
  return flipped
}

/**
 * A tiny layers "backbone" saved like a real one under `models/name`: a 3×3 convolution with 27
 * filters, each passing one pixel of the window in one colour channel, pooled, so its features are
 * the image's mean colour nine times over (what tells the tinted classes apart), then an unused
 * classifier (where an unknown backbone is cut).
 */
export async function writeTinyBackbone(models: string, name = 'tiny'): Promise<void> {
  const m = tf.sequential()
  m.add(tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 27, kernelSize: 3, useBias: false, name: 'colour' }))
  m.add(tf.layers.globalAveragePooling2d({}))
  m.add(
    tf.layers.dense({
      units: 10,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    }),
  )
  // Kernel layout [row, column, in channel, filter]; filter f = pixel p (of 9) in channel c.
  const kernel = new Float32Array(3 * 3 * 3 * 27)
  for (let p = 0; p < 9; p++) for (let c = 0; c < 3; c++) kernel[(p * 3 + c) * 27 + p * 3 + c] = 1
  tf.tidy(() => m.getLayer('colour').setWeights([tf.tensor4d(kernel, [3, 3, 3, 27])]))
  await m.save(folderSaver(path.join(models, name)))
  m.dispose()
}

/** Resolves with the job's finish event once `events` holds one for `kind` after position `from`. */
export async function jobFinished(
  events: readonly StudioEvent[],
  kind: JobKind,
  from = 0,
  timeoutMs = 120_000,
): Promise<Extract<StudioEvent, { type: 'job-finished' }>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const e = events.slice(from).find((x) => x.type === 'job-finished' && x.kind === kind)
    if (e?.type === 'job-finished') return e
    if (Date.now() > end) throw new Error(`no job-finished event for ${kind} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
