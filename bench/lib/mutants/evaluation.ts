import { m, type Mutant } from './mutant'

const METRICS = ['tests/engine/evaluation', 'tests/engine/attributes/slices.test.ts']
const REPORT = ['tests/engine/evaluation', 'tests/engine/service-ui.test.ts']

const metrics = 'main/engine/evaluation/metrics.ts'
const slices = 'main/engine/evaluation/slices.ts'
const report = 'main/engine/evaluation/report.ts'

export const EVALUATION_MUTANTS: Mutant[] = [
  m(
    'evaluation',
    metrics,
    'calibration edge goes to the upper bin',
    'Math.ceil(c * nBins) - 1',
    'Math.floor(c * nBins)',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'top-k ties ranked by the higher index',
    '(p[c] === p[t] && c < t)',
    '(p[c] === p[t] && c > t)',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'F1 without the factor 2',
    '(2 * precision * recall) / (precision + recall)',
    '(precision * recall) / (precision + recall)',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'weighted average unweighted',
    '(weighted ? (total ? m.support / total : 0) : 1 / per.length)',
    '(1 / per.length)',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'loss clamped at 1e-3',
    'Math.max(p[truth[i]!]!, 1e-7)',
    'Math.max(p[truth[i]!]!, 1e-3)',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'ECE weights every bin equally',
    '(bin.count / confidence.length) *',
    '(1 / nBins) *',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'confusion matrix transposed',
    'm[truth[i]!]![pred[i]!]!++',
    'm[pred[i]!]![truth[i]!]!++',
    METRICS,
  ),
  m(
    'evaluation',
    metrics,
    'argmax keeps the last of equal maxima',
    'if (p[i]! > p[best]!) best = i',
    'if (p[i]! >= p[best]!) best = i',
    METRICS,
  ),
  m('evaluation', slices, 'Wilson centre off', 'const centre = p + z2 / (2 * n)', 'const centre = p + z2 / n', METRICS),
  m(
    'evaluation',
    slices,
    'a slice of exactly 30 is small',
    'm.support < SMALL.support',
    'm.support <= SMALL.support',
    METRICS,
  ),
  m(
    'evaluation',
    slices,
    'one slice too many before pooling',
    'const kept = new Map(bySize.slice(0, maxSlices - 1))',
    'const kept = new Map(bySize.slice(0, maxSlices))',
    METRICS,
  ),
  m(
    'evaluation',
    report,
    'class index one past the end accepted',
    '? name < classes.length',
    '? name <= classes.length',
    REPORT,
  ),
  m(
    'evaluation',
    report,
    'least confident mistakes listed first',
    "{ correct: false }, 'confidence desc'",
    "{ correct: false }, 'confidence asc'",
    REPORT,
  ),
]
