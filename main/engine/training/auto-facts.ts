import { createRequire } from 'node:module'
import os from 'node:os'
import { GRAYSCALE_SPREAD } from '../store/builtin-attributes'
import type { Studio } from '../studio'
import { planAuto, type AutoBackbone, type AutoData, type AutoPlan, type AutoPresetDefaults } from './auto'
import { backboneFolders, listBackboneEntries } from './backbones'
import { withDefaults, type TrainConfig } from './config'
import { presets } from './presets/registry'
import type { PresetEnv } from './presets/types'

/**
 * The facts auto.ts plans from, read from an open project and this machine: the labeled images'
 * count, classes, sizes and grayscale share; the usable backbones with their manifests' speed; the
 * presets' defaults as they are now; the cores.
 */
export function autoFacts(studio: Studio, env: PresetEnv = {}): Omit<Parameters<typeof planAuto>[0], 'budgetSeconds'> {
  const rows = studio.store.health.imageRows().filter((r) => r.classId !== null)
  const perClass = new Map<number, number>()
  for (const r of rows) perClass.set(r.classId!, (perClass.get(r.classId!) ?? 0) + 1)
  const sides = rows.map((r) => Math.min(r.width, r.height)).sort((a, b) => a - b)
  const measured = rows.filter((r) => r.colourfulness !== null)
  const data: AutoData = {
    images: rows.length,
    classes: perClass.size,
    smallestClass: perClass.size ? Math.min(...perClass.values()) : 0,
    medianSide: sides.length ? sides[Math.floor(sides.length / 2)]! : 0,
    grayscale: measured.length
      ? measured.filter((r) => r.colourfulness! < GRAYSCALE_SPREAD).length / measured.length
      : 0,
  }
  const native = nativeExtractionInstalled()
  const backbones: AutoBackbone[] = listBackboneEntries(backboneFolders(env.modelsDir))
    .filter((e) => !e.problem && e.spec?.inputSize)
    .map((e) => ({
      name: e.name,
      title: e.spec!.title,
      top1: e.spec!.imagenetTop1,
      imagesPerSecond: e.spec!.manifest?.speed?.imagesPerSecond ?? null,
      inputSize: e.spec!.inputSize!,
      trainSize: e.spec!.trainSize ?? e.spec!.inputSize!,
      // Layers backbones convert for ONNX Runtime (extract-native.ts); graph backbones stay on wasm.
      native: native && e.spec!.output === null,
    }))
  return { data, backbones, presets: presetDefaults(env), cores: Math.max(1, os.availableParallelism()) }
}

/** The presets' current defaults, the part auto.ts reads (the transfer recipe's fields where it has them). */
export function presetDefaults(env: PresetEnv = {}): AutoPresetDefaults {
  const cnn = withDefaults({ preset: 'seed-cnn' }, presets, env)
  const seed = presets.get('seed-cnn')
  // The transfer preset needs a backbone to complete its config; without one its defaults suffice.
  let t: Partial<TrainConfig> & {
    featureAugment?: { copies?: number }
    fineTune?: { blocks?: number; epochs?: number }
  }
  try {
    t = withDefaults({ preset: 'transfer' }, presets, env)
  } catch {
    t = { epochs: presets.get('transfer').defaults.epochs }
  }
  return {
    seedCnn: { inputSize: cnn.inputSize, epochs: cnn.epochs, inputMin: seed.inputSize.min },
    transfer: {
      epochs: t.epochs ?? 100,
      copies: t.featureAugment?.copies ?? 0,
      fineTuneBlocks: t.fineTune?.blocks ?? 0,
      fineTuneEpochs: t.fineTune?.epochs ?? 0,
      heads: t.heads ?? 1,
    },
  }
}

/** What a run's config records of Auto: the budget, the estimate and every choice with its reason. */
export interface AutoRecord {
  budgetSeconds: number
  estimateSeconds: number
  choices: AutoPlan['choices']
}

/** Auto's plan for this project and budget. */
export function autoPlanFor(studio: Studio, budgetSeconds: number, env: PresetEnv = {}): AutoPlan {
  return planAuto({ ...autoFacts(studio, env), budgetSeconds })
}

/**
 * The config of an Auto run: the plan's choices, then what the caller set explicitly (which wins),
 * with the plan recorded under `auto`.
 */
export function autoConfig(plan: AutoPlan, explicit: Partial<TrainConfig>): Partial<TrainConfig> {
  const auto: AutoRecord = {
    budgetSeconds: plan.budgetSeconds,
    estimateSeconds: Math.round(plan.estimateSeconds),
    choices: plan.choices,
  }
  return { ...plan.config, ...explicit, auto }
}

/**
 * Whether feature extraction can run on onnxruntime-node (extract-native.ts picks it where it loads
 * and STUDIO_EXTRACTION is not tfjs): the package resolves. Loading it is left to the run; a library
 * that then fails to load sends the run to the wasm threads, and Auto's estimate errs short.
 */
export function nativeExtractionInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.STUDIO_EXTRACTION?.trim() === 'tfjs') return false
  try {
    createRequire(import.meta.url).resolve('onnxruntime-node')
    return true
  } catch {
    return false
  }
}
