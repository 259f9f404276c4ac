import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { NotFoundError } from '../../../main/engine/errors'
import { explain } from '../../../main/engine/explain/explain'
import { runPaths } from '../../../main/engine/runs'
import { Studio } from '../../../main/engine/studio'
import { studio as cli } from '../../helpers/cli'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
const project = path.join(root, 'proj')
let s: Studio
let runId: number

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 6)
  s = Studio.init(project)
  await s.import(path.join(root, 'shapes'))
  runId = await trainInProcess(s, { epochs: 1, inputSize: 32 })
}, 120_000)

/** Runs `studio explain` with the test's connection closed, as a second process would find the project. */
function explainCli(args: string[]) {
  s.close()
  try {
    return cli(['explain', String(runId), ...args, '--out', path.join(root, 'heat.png'), '--project', project])
  } finally {
    s = Studio.open(project)
  }
}

/** Moves `file` away for the duration of `f`. */
async function without<T>(file: string, f: () => Promise<T> | T): Promise<T> {
  fs.renameSync(file, file + '.away')
  try {
    return await f()
  } finally {
    fs.renameSync(file + '.away', file)
  }
}

// Runs first: the engine keeps a run's model loaded once it has explained with it.
describe('explain refuses bad input with a message that names what is wrong', () => {
  it('a model whose weights file is gone: names the file, in the engine and the CLI', async () => {
    const weights = path.join(runPaths(s.root, runId).model, 'weights.bin')
    await without(weights, async () => {
      const err = await explain(s, runId, '1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NotFoundError)
      expect((err as Error).message).toBe(`the model in ${path.dirname(weights)} is incomplete: ${weights} is missing`)
      const r = explainCli(['1'])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`${weights} is missing`)
    })
    expect(fs.existsSync(path.join(root, 'heat.png'))).toBe(false)
  })

  it('a model folder that is gone: names model.json in the CLI too', async () => {
    const model = runPaths(s.root, runId).model
    await without(model, () => {
      const r = explainCli(['1'])
      expect(r.code).not.toBe(0)
      expect(r.stderr.trim()).toBe(
        `studio: run ${runId} has no model files (${path.join(model, 'model.json')} is missing)`,
      )
    })
  })

  it('a project image that no longer decodes, or whose file is gone: names the image', async () => {
    const img = s.store.images.page({ limit: 1 }).items[0]!
    const file = s.originalPath(img)
    const keep = fs.readFileSync(file)
    fs.writeFileSync(file, Buffer.from('this was a JPEG once'))
    try {
      await expect(explain(s, runId, img.id)).rejects.toThrow(`${img.originalName} cannot be decoded`)
      const r = explainCli([String(img.id)])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`${img.originalName} cannot be decoded`)
    } finally {
      fs.writeFileSync(file, keep)
    }
    await without(file, () =>
      expect(explain(s, runId, img.id)).rejects.toThrow(`the original of ${img.originalName} is missing (${file})`),
    )
  })

  it('a class the run does not have: lists the classes, in the CLI too', () => {
    const classes = s.store.datasets.version(s.store.runs.get(runId)!.datasetVersion)!.classes.map((c) => c.name)
    const r = explainCli(['1', '--class', 'unicorn'])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toBe(`studio: run ${runId} has no class "unicorn" (classes: ${classes.join(', ')})`)
    expect(fs.existsSync(path.join(root, 'heat.png'))).toBe(false)
  })
})
