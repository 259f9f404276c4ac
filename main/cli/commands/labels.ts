import type { Command } from 'commander'
import { ConflictError } from '../../engine/errors'
import type { LabelChange, UndoResult } from '../../engine/labels/service'
import { plural } from '../../engine/plural'
import type { Studio } from '../../engine/studio'
import { withStudio } from '../context'
import { common, emit, table, type CommonOptions } from '../output'

export function registerLabels(program: Command): void {
  const label = program
    .command('label')
    .description('set or clear the class of images; undo and redo label changes; show an image’s label history')

  common(label.command('set'))
    .description('give images a class (one transaction, undoable)')
    .argument('<class>', 'class name or id')
    .argument('<images...>', 'image ids, hashes (≥ 6 characters) or relative paths')
    .action((cls: string, refs: string[], opts: CommonOptions) =>
      withStudio(opts, (s) =>
        report(opts, s.labels.setLabels(ids(s, refs), cls), (n) => `${plural(n, 'image')} labeled ${cls}`),
      ),
    )

  common(label.command('clear'))
    .description('make images unlabeled (undoable)')
    .argument('<images...>', 'image ids, hashes or relative paths')
    .action((refs: string[], opts: CommonOptions) =>
      withStudio(opts, (s) =>
        report(opts, s.labels.setLabels(ids(s, refs), null), (n) => `${plural(n, 'image')} cleared`),
      ),
    )

  common(label.command('undo'))
    .description('undo the last label change (set, clear, merge, delete)')
    .action((opts: CommonOptions) => withStudio(opts, (s) => reportUndo(opts, s.labels.undo(), 'undo')))

  common(label.command('redo'))
    .description('redo the last undone label change')
    .action((opts: CommonOptions) => withStudio(opts, (s) => reportUndo(opts, s.labels.redo(), 'redo')))

  common(label.command('history'))
    .description('every label change of one image, oldest first')
    .argument('<image>', 'image id, hash or relative path')
    .action((ref: string, opts: CommonOptions) =>
      withStudio(opts, (s) => {
        const img = s.image(ref)
        const history = s.labels
          .history(img.id)
          .map((h) => ({ at: h.createdAt, kind: h.kind, from: h.oldClass, to: h.newClass }))
        emit(opts, { image: img.id, history }, (v) =>
          v.history.length
            ? table(v.history.map((h) => [h.at, h.kind, h.from ?? '(none)', '→', h.to ?? '(none)']))
            : `Image ${v.image} has never been labeled`,
        )
      }),
    )

  const classes = common(program.command('classes').enablePositionalOptions())
    .description('list classes with their image counts; subcommands add, rename, merge, delete')
    .action((opts: CommonOptions) =>
      withStudio(opts, (s) => {
        const list = s.labels.classes().map((c) => ({ id: c.id, name: c.name, color: c.color, count: c.count }))
        emit(opts, { classes: list, unlabeled: s.labels.unlabeledCount() }, (v) =>
          v.classes.length
            ? table([['id', 'class', 'images', 'color'], ...v.classes.map((c) => [c.id, c.name, c.count, c.color])]) +
              `\n(unlabeled: ${v.unlabeled})`
            : 'No classes yet',
        )
      }),
    )

  common(classes.command('add'))
    .description('create a class')
    .argument('<name>')
    .option('--color <hex>', 'colour as #rrggbb')
    .action((name: string, opts: CommonOptions & { color?: string }) =>
      withStudio(opts, (s) => {
        const c = s.labels.createClass(name, opts.color)
        emit(opts, { id: c.id, name: c.name, color: c.color }, (v) => `Created class ${v.name} (id ${v.id})`)
      }),
    )

  common(classes.command('rename'))
    .description('rename a class')
    .argument('<class>', 'class name or id')
    .argument('<new-name>')
    .action((ref: string, name: string, opts: CommonOptions) =>
      withStudio(opts, (s) => {
        const c = s.labels.renameClass(ref, name)
        emit(opts, { id: c.id, name: c.name }, (v) => `Renamed to ${v.name}`)
      }),
    )

  common(classes.command('merge'))
    .description('move every image of <from> into <into> and remove <from> (undoable)')
    .argument('<from>')
    .argument('<into>')
    .action((from: string, into: string, opts: CommonOptions) =>
      withStudio(opts, (s) =>
        report(opts, s.labels.mergeClass(from, into), (n) => `Merged ${from} into ${into} (${plural(n, 'image')})`),
      ),
    )

  common(classes.command('delete'))
    .description('delete a class; one with images needs --unlabel or --merge-into (undoable)')
    .argument('<class>')
    .option('--unlabel', 'leave its images unlabeled')
    .option('--merge-into <class>', 'move its images into this class')
    .action((ref: string, opts: CommonOptions & { unlabel?: boolean; mergeInto?: string }) =>
      withStudio(opts, (s) => {
        if (opts.unlabel && opts.mergeInto) throw new ConflictError('choose either --unlabel or --merge-into, not both')
        const choice = opts.mergeInto
          ? ({ mode: 'merge', into: opts.mergeInto } as const)
          : opts.unlabel
            ? ({ mode: 'unlabel' } as const)
            : undefined
        const moved = choice?.mode === 'merge' ? `moved to ${choice.into}` : 'unlabeled'
        report(opts, s.labels.deleteClass(ref, choice), (n) =>
          n ? `Deleted class ${ref} (${plural(n, 'image')} ${moved})` : `Deleted class ${ref}`,
        )
      }),
    )
}

function ids(s: Studio, refs: string[]): number[] {
  return refs.map((r) => s.image(r).id)
}

/** Prints what an action did; "Nothing changed" only when no action was written (deleting an empty class is one). */
function report(opts: CommonOptions, change: LabelChange, done: (changed: number) => string): void {
  emit(opts, change, (v) => (v.actionId === null ? 'Nothing changed' : done(v.changed)))
}

function reportUndo(opts: CommonOptions, r: UndoResult | null, what: 'undo' | 'redo'): void {
  emit(opts, r ?? { actionId: null, changed: 0, kind: null }, (v) =>
    v.kind ? `${what === 'undo' ? 'Undid' : 'Redid'} ${v.kind} of ${plural(v.changed, 'image')}` : `Nothing to ${what}`,
  )
}
