import fs from 'node:fs'
import path from 'node:path'
import type { Studio } from '../studio'
import type { TrainConfig } from '../training/config'
import { backboneFolders, locateBackbone } from '../training/backbones'
import { whereTheModelLooks } from './looks'

/** Files and card sections the export adds beside the model: Grad-CAM examples and the backbone's license. */
export interface CardExtras {
  files: Record<string, Uint8Array>
  sections: string[]
}

/**
 * "Where the model looks" (a few Grad-CAM overlays) and, for a transfer run, the backbone's license and
 * attribution: the exported weights contain the backbone's, so its terms travel with them. Neither
 * may sink an export that otherwise passed: a failure becomes a sentence in the card.
 */
export async function cardExtras(studio: Studio, runId: number, modelsDir?: string | null): Promise<CardExtras> {
  const files: Record<string, Uint8Array> = {}
  const sections: string[] = []
  try {
    const looks = await whereTheModelLooks(studio, runId)
    Object.assign(files, looks.files)
    sections.push(looks.markdown)
  } catch (err) {
    sections.push(`## Where the model looks\n\nNo maps: ${err instanceof Error ? err.message : String(err)}\n`)
  }
  const config = JSON.parse(studio.store.runs.get(runId)!.config) as TrainConfig
  if (config.backbone) sections.push(backboneNotice(config.backbone, files, modelsDir))
  return { files, sections }
}

function backboneNotice(name: string, files: Record<string, Uint8Array>, modelsDir?: string | null): string {
  const head = `## Backbone license\n\nThe model contains the weights of the backbone \`${name}\`.`
  let folder: string
  try {
    folder = locateBackbone(backboneFolders(modelsDir), name).folder
  } catch {
    return `${head} Its folder was not found at export time: check its license before you share the model.\n`
  }
  const copied = ['LICENSE', 'SOURCE.md'].filter((f) => fs.existsSync(path.join(folder, f)))
  for (const f of copied) files[`backbone-license/${f}`] = fs.readFileSync(path.join(folder, f))
  if (!copied.includes('LICENSE'))
    return `${head} Its folder has no LICENSE file: check the backbone's terms before you share the model.\n`
  const list = copied.map((f) => `[${f}](backbone-license/${f})`).join(' and ')
  return `${head} Its license and attribution travel with it: ${list}.\n`
}
