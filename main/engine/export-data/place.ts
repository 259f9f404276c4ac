import type { PlacedRow } from './data-files'
import { NameAllocator, stemOf } from './names'
import type { ResolvedOptions } from './options'
import type { ExportPlan } from './rows'

/** Names at the export's root that images and class folders must not take. */
export const ROOT_FILES = [
  'manifest.json',
  'labels.csv',
  'splits.csv',
  'tasks.json',
  'label-config.xml',
  'annotations.json',
]

export interface Placement {
  placed: PlacedRow[]
  /** Class name → its folder (the `folders` format; it differs from the name only where that was unsafe). */
  folders: Map<string, string>
  leftOut: { unlabeled: number; missing: number }
}

/**
 * Where every image goes, decided before anything is written: `<split>/<class>/<name>` or
 * `<class>/<name>` for class folders, `images/[<split>/]<name>` for the formats whose data file
 * holds the labels. The name is the original file's (never a folder it came from), made safe, with
 * the extension of its stored format; equal names in one folder get the image's hash prefix.
 */
export function placeRows(plan: ExportPlan, o: ResolvedOptions): Placement {
  const names = new NameAllocator()
  const splitFolders = o.splits === 'folders' && o.versionId !== null
  const folders = classFolders(plan)
  const placed: PlacedRow[] = []
  const leftOut = { unlabeled: 0, missing: 0 }
  for (const row of plan.rows) {
    if (row.missing) {
      leftOut.missing++
      continue
    }
    let dir: string
    if (o.format === 'folders') {
      if (row.label === null) {
        leftOut.unlabeled++
        continue
      }
      const top = splitFolders && row.split ? row.split : ''
      const cls = folders.get(row.label)!
      dir = top ? `${top}/${cls}` : cls
    } else dir = splitFolders && row.split ? `images/${row.split}` : 'images'
    const name = names.file(dir, stemOf(row.originalName), row.ext, row.hash.slice(0, 8))
    placed.push({ row, path: `${dir}/${name}` })
  }
  return { placed, folders, leftOut }
}

/**
 * One folder name per class, the same under every split, handed out in class order so that a name
 * two classes share after making it safe (`a:b`, `a_b`) goes to the same class every time.
 */
function classFolders(plan: ExportPlan): Map<string, string> {
  const names = new NameAllocator()
  for (const f of ROOT_FILES) names.reserve('', f)
  // FiftyOne reads `_unlabeled` as "no label"; a class of that name must not land there.
  names.reserve('', '_unlabeled')
  const out = new Map<string, string>()
  const labels = new Set(plan.classes)
  for (const r of plan.rows) if (r.label !== null) labels.add(r.label)
  for (const label of labels) out.set(label, names.folder('', label))
  return out
}
