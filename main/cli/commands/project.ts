import type { Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import type { ImageSort, PageRequest } from '../../engine/store'
import { withStudio } from '../context'
import { common, emit, table, type CommonOptions } from '../output'

export function registerProject(program: Command): void {
  program
    .command('init')
    .description('create a new project folder (studio.db, media/, thumbs/)')
    .argument('<dir>', 'folder to create or turn into a project')
    .option('--json', 'print one machine-readable JSON object')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { Studio } = await import('../../engine/studio')
      const studio = Studio.init(dir)
      const root = studio.root
      studio.close()
      emit(opts, { project: root }, (v) => `Created project at ${v.project}`)
    })

  common(program.command('stats'))
    .description('images, counts per class, unlabeled, duplicates skipped and import errors')
    .action((opts: CommonOptions) =>
      withStudio(opts, (s) =>
        emit(opts, s.stats(), (v) => {
          const classes = Object.entries(v.classes)
          return [
            `Project ${s.root}`,
            `Images      ${v.images}`,
            `Unlabeled   ${v.unlabeled}`,
            `Duplicates  ${v.duplicates} (skipped on import)`,
            `Errors      ${v.errors} (see \`studio errors\`)`,
            classes.length ? `Classes\n${table(classes.map(([n, c]) => ['  ' + n, c]))}` : 'Classes     none yet',
          ].join('\n')
        }),
      ),
    )

  common(program.command('errors'))
    .description('list the files imports could not take in, with the reason')
    .option('--batch <id>', 'only this import batch', parseId)
    .action((opts: CommonOptions & { batch?: number }) =>
      withStudio(opts, (s) =>
        emit(
          opts,
          { errors: s.importErrors(opts.batch).map((e) => ({ batch: e.batchId, path: e.path, reason: e.reason })) },
          (v) =>
            v.errors.length
              ? v.errors.map((e) => `${JSON.stringify(e.path)}: ${e.reason}`).join('\n')
              : 'No import errors',
        ),
      ),
    )

  common(program.command('images'))
    .description('list images, one page at a time, with filters')
    .option('--class <name...>', 'only images of these classes')
    .option('--unlabeled', 'only unlabeled images (with --class: those too)')
    .option('--origin <tag>', 'only images with this origin tag (e.g. train)')
    .option('--search <text>', 'file name or path contains this text')
    .option('--attr <name=value>', 'only images with this attribute value (built-ins too; name= : none)')
    .option('--sort <key>', 'imported | name | size', 'imported')
    .option('--desc', 'descending order')
    .option('--limit <n>', 'page size (1-1000)', parseId, 50)
    .option('--cursor <cursor>', 'continue after a previous page')
    .action((opts: CommonOptions & ImagesOptions) =>
      withStudio(opts, (s) => {
        const req: PageRequest = {
          classIds: opts.class?.map((c) => s.labels.findClass(c).id),
          unlabeled: opts.unlabeled,
          origin: opts.origin,
          search: opts.search,
          attribute: opts.attr === undefined ? undefined : parseAttr(opts.attr),
          sort: parseSort(opts.sort),
          order: opts.desc ? 'desc' : 'asc',
          limit: opts.limit,
          cursor: opts.cursor,
        }
        const page = s.store.images.page(req)
        const out = {
          total: s.store.images.count(req),
          nextCursor: page.nextCursor,
          images: page.items.map((i) => ({
            id: i.id,
            name: i.originalName,
            path: i.relPath,
            class: i.className,
            origin: i.origin,
            format: i.format,
            width: i.width,
            height: i.height,
            bytes: i.bytes,
            hash: i.hash,
          })),
        }
        emit(opts, out, (v) =>
          [
            table([
              ['id', 'class', 'origin', 'size', 'path'],
              ...v.images.map((i) => [i.id, i.class ?? '-', i.origin ?? '-', `${i.width}×${i.height}`, i.path]),
            ]),
            `${v.images.length} of ${v.total}${v.nextCursor ? ` — next page: --cursor ${v.nextCursor}` : ''}`,
          ].join('\n'),
        )
      }),
    )
}

interface ImagesOptions {
  class?: string[]
  unlabeled?: boolean
  origin?: string
  search?: string
  attr?: string
  sort: string
  desc?: boolean
  limit: number
  cursor?: string
}

/** `name=value`: that value; `name=`: no value. */
function parseAttr(v: string): { name: string; value: string | null } {
  const eq = v.indexOf('=')
  if (eq < 1) throw new ValidationError(`--attr takes name=value, or name= for none (got ${JSON.stringify(v)})`)
  const value = v.slice(eq + 1).trim()
  return { name: v.slice(0, eq).trim(), value: value || null }
}

function parseSort(v: string): ImageSort {
  if (v === 'imported' || v === 'name' || v === 'size') return v
  throw new ValidationError(`--sort must be imported, name or size (got ${JSON.stringify(v)})`)
}

export function parseId(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`expected a positive whole number, got ${JSON.stringify(v)}`)
  return n
}
