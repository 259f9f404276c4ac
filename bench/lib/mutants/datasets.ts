import { m, type Mutant } from './mutant'

const DATASETS = ['tests/engine/datasets']

const split = 'main/engine/datasets/split.ts'
const versions = 'main/engine/datasets/versions.ts'

export const DATASETS_MUTANTS: Mutant[] = [
  m(
    'datasets',
    split,
    'test count truncated',
    'Math.round(n * fractions.test)',
    'Math.floor(n * fractions.test)',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'val count truncated',
    'Math.round(n * fractions.val)',
    'Math.floor(n * fractions.val)',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'no guaranteed test image',
    'Math.max(fixed.length ? 0 : 1, Math.round(n * fractions.test))',
    'Math.max(0, Math.round(n * fractions.test))',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'no guaranteed val image',
    'Math.max(fixed.length ? 0 : 1, Math.round(n * fractions.val))',
    'Math.max(0, Math.round(n * fractions.val))',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'train may be left empty',
    'while (n - nTest - nVal < 1)',
    'while (n - nTest - nVal < 0)',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'a group may overshoot the test target',
    'count.test + here <= nTest',
    'count.test <= nTest',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'every class shuffled with the same seed',
    'rng(mixSeed(seed, classId))',
    'rng(mixSeed(seed, 0))',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'fractions need only add up to about 1',
    'Math.abs(f.train + f.val + f.test - 1) > 1e-6',
    'Math.abs(f.train + f.val + f.test - 1) > 0.1',
    DATASETS,
  ),
  m(
    'datasets',
    split,
    "'valid' folders not kept as val",
    `last === 'val' || last === 'valid' ||`,
    `last === 'val' ||`,
    DATASETS,
  ),
  m(
    'datasets',
    split,
    'a class of one image passes the size check',
    'if (n < minimum) {',
    'if (n < minimum - 1) {',
    DATASETS,
  ),
  m(
    'datasets',
    versions,
    'a version reused across seeds',
    'return v.seed === s.seed && v.useOriginSplits',
    'return v.useOriginSplits',
    DATASETS,
  ),
  m(
    'datasets',
    versions,
    'a version reused when splits differ',
    'r.classIndex === p.classIndex && r.split === p.split',
    'r.classIndex === p.classIndex',
    DATASETS,
  ),
  m(
    'datasets',
    versions,
    'a version reused after a class rename',
    'c.id !== plan.classes[i]!.id || c.name !== plan.classes[i]!.name',
    'c.id !== plan.classes[i]!.id',
    DATASETS,
  ),
]
