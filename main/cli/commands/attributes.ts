import type { Command } from 'commander'
import { clearAttribute, listAttributes, setAttribute } from '../../engine/attributes/attributes'
import { evaluateByAttribute, type AttributeEvaluation } from '../../engine/attributes/by-attribute'
import { NotFoundError, ValidationError } from '../../engine/errors'
import { plural } from '../../engine/plural'
import type { Studio } from '../../engine/studio'
import { withStudio } from '../context'
import { common, emit, table, type CommonOptions } from '../output'

export function registerAttributes(program: Command): void {
  const attr = program
    .command('attr')
    .description('image attributes (site, camera, …) for per-slice metrics: set, clear, list')

  common(attr.command('set'))
    .description('give images an attribute value, e.g. studio attr set site=north 12 34 pics/a.jpg')
    .argument('<name=value>', 'attribute name and value')
    .argument('<images...>', 'image ids, hashes (≥ 6 characters) or relative paths')
    .action((pair: string, refs: string[], opts: CommonOptions) =>
      withStudio(opts, (s) => {
        const eq = pair.indexOf('=')
        if (eq < 0) throw new ValidationError(`expected name=value (got ${JSON.stringify(pair)})`)
        const name = pair.slice(0, eq).trim().toLowerCase()
        const value = pair.slice(eq + 1).trim()
        const changed = setAttribute(s.store, ids(s, refs), name, value)
        emit(opts, { name, value, changed }, (v) => `Set ${v.name}=${v.value} (${plural(v.changed, 'image')} changed)`)
      }),
    )

  common(attr.command('clear'))
    .description('remove an attribute from images')
    .argument('<name>', 'attribute name')
    .argument('<images...>', 'image ids, hashes or relative paths')
    .action((name: string, refs: string[], opts: CommonOptions) =>
      withStudio(opts, (s) => {
        const changed = clearAttribute(s.store, ids(s, refs), name)
        const key = name.trim().toLowerCase()
        emit(opts, { name: key, changed }, (v) => `Removed ${v.name} from ${plural(v.changed, 'image')}`)
      }),
    )

  common(attr.command('list'))
    .description('attributes with their values and image counts (built-ins: origin, batch, size, colour, brightness)')
    .argument('[name]', 'only this attribute, with all its values')
    .action((name: string | undefined, opts: CommonOptions) =>
      withStudio(opts, (s) => {
        let attributes = listAttributes(s.store)
        if (name !== undefined) {
          attributes = attributes.filter((a) => a.name === name.trim().toLowerCase())
          if (!attributes.length) throw new NotFoundError(`no attribute ${JSON.stringify(name)}`)
        }
        emit(opts, { attributes }, (v) =>
          name !== undefined
            ? table([['value', 'images'], ...v.attributes[0]!.values.map((x) => [x.value, x.images])])
            : table([
                ['attribute', 'kind', 'images', 'values'],
                ...v.attributes.map((a) => [a.name, a.builtIn ? 'built-in' : 'set', a.images, preview(a.values)]),
              ]),
        )
      }),
    )
}

function ids(s: Studio, refs: string[]): number[] {
  return refs.map((r) => s.image(r).id)
}

function preview(values: { value: string; images: number }[]): string {
  const head = values.slice(0, 5).map((x) => `${x.value} (${x.images})`)
  return values.length > 5 ? `${head.join(', ')}, … ${values.length - 5} more` : head.join(', ')
}

/** `studio eval <run> --by <attribute> [--class C]`: the documented JSON, or a table worst slice first. */
export function evalByAttribute(s: Studio, opts: CommonOptions, runId: number, by: string, cls?: string): void {
  const r = evaluateByAttribute(s.store, runId, by, cls)
  emit(opts, byAttributeJson(r), (v) => byAttributeText(r, v))
}

/** Exactly the shape README documents: the slices' `small` flag is the text output's mark, not a key. */
export function byAttributeJson(r: AttributeEvaluation) {
  const { support, accuracy, accuracyCi, macroRecall, macroF1, ece } = r.overall
  return {
    attribute: r.attribute,
    overall: { support, accuracy, accuracyCi, macroRecall, macroF1, ece },
    slices: r.slices.map((x) => ({
      value: x.value,
      support: x.support,
      accuracy: x.accuracy,
      accuracyCi: x.accuracyCi,
      macroRecall: x.macroRecall,
      macroF1: x.macroF1,
      ece: x.ece,
      gap: x.gap,
    })),
    ...(r.equalOpportunity ? { equalOpportunity: r.equalOpportunity } : {}),
  }
}

function byAttributeText(r: AttributeEvaluation, v: ReturnType<typeof byAttributeJson>): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`
  const ci = (c: [number, number]) => `${(c[0] * 100).toFixed(0)}–${(c[1] * 100).toFixed(0)} %`
  const f3 = (x: number) => x.toFixed(3)
  const signed = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}`
  const lines = [
    `Run ${r.run} on the ${r.split ?? 'evaluation'} split by ${v.attribute} (${plural(v.overall.support, 'image')}): ` +
      `accuracy ${pct(v.overall.accuracy)} (${ci(v.overall.accuracyCi)}), macro F1 ${f3(v.overall.macroF1)}`,
    '',
    table([
      ['value', 'images', 'accuracy', '95 % CI', 'gap (pts)', 'macro recall', 'macro F1', 'ECE', ''],
      ...r.slices.map((x) => [
        x.value,
        x.support,
        pct(x.accuracy),
        ci(x.accuracyCi),
        signed(x.gap),
        f3(x.macroRecall),
        f3(x.macroF1),
        f3(x.ece),
        x.small ? 'too few images to conclude' : '',
      ]),
    ]),
  ]
  const eo = r.equalOpportunity
  if (eo) {
    const rec = (x: number | null) => (x === null ? '–' : pct(x))
    lines.push(
      '',
      `Equal opportunity for ${eo.class}: recall ${rec(eo.overallRecall)} overall, largest gap ${signed(eo.gap)} pts`,
      table([
        ['value', `${eo.class} images`, 'recall', '95 % CI'],
        ...eo.slices.map((x) => [x.value, x.support, rec(x.recall), x.recallCi ? ci(x.recallCi) : '–']),
      ]),
    )
  }
  return lines.join('\n')
}
