import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  preprocessingOf,
  readPreprocessing,
  runDir,
  runPaths,
  saveGraphStage,
  writePreprocessing,
} from '../../../main/engine/runs'
import { tmpDir } from '../../helpers/fixtures'

const engine = path.resolve(import.meta.dirname, '../../../main/engine')

/** Relative imports of every .ts file under an engine folder. */
function importsOf(folder: string): { file: string; from: string }[] {
  const dir = path.join(engine, folder)
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8')
      return [...text.matchAll(/^(?:import|export)[^'\n]*from '([^']+)'/gm)].map((m) => ({
        file: `${folder}/${f}`,
        from: path.relative(engine, path.resolve(path.dirname(path.join(dir, f)), m[1]!)),
      }))
    })
}

describe('the run folder', () => {
  it('lays a run out under runs/<id>/', () => {
    const p = runPaths('/proj', 12)
    expect(runDir('/proj', 12)).toBe(path.join('/proj', 'runs', '12'))
    expect(p).toEqual({
      dir: path.join('/proj/runs/12'),
      checkpoint: path.join('/proj/runs/12/checkpoint'),
      best: path.join('/proj/runs/12/best'),
      model: path.join('/proj/runs/12/model'),
      backbone: path.join('/proj/runs/12/backbone'),
      preprocessing: path.join('/proj/runs/12/preprocessing.json'),
    })
  })

  it('writes preprocessing.json and reads back the same, with a graph stage copied beside the model', () => {
    const root = tmpDir()
    const p = runPaths(root, 1)
    fs.mkdirSync(p.dir, { recursive: true })
    const graph = path.join(root, 'graph-backbone')
    fs.mkdirSync(graph)
    fs.writeFileSync(path.join(graph, 'model.json'), '{}')
    const stage = saveGraphStage(p, graph, 'pool/output')
    expect(stage).toEqual({ format: 'graph', folder: 'backbone', output: 'pool/output' })
    expect(fs.readFileSync(path.join(p.dir, stage.folder, 'model.json'), 'utf8')).toBe('{}')
    const pre = preprocessingOf({ inputSize: 96, fit: 'contain' }, 'symmetric', stage)
    expect(pre).toMatchObject({ scalingFormula: 'x / 127.5 - 1', channelOrder: 'RGB', layout: 'NHWC' })
    writePreprocessing(p, pre)
    expect(readPreprocessing(p)).toEqual(pre)
    expect(() => readPreprocessing(runPaths(root, 2))).toThrow(/has no .*preprocessing\.json/)
  })
})

describe('engine layering', () => {
  it('runs/ imports neither training/ nor evaluation/; evaluation/ does not import training/', () => {
    const runs = importsOf('runs').filter((i) => /^(training|evaluation)\//.test(i.from))
    const evaluation = importsOf('evaluation').filter((i) => i.from.startsWith('training/'))
    expect([...runs, ...evaluation]).toEqual([])
    // The check sees imports at all (a broken pattern would pass vacuously).
    expect(importsOf('training').some((i) => i.from === 'evaluation/metrics')).toBe(true)
  })
})
