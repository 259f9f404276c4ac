/**
 * bench/active-learning: does Studio's "label next" order (most uncertain first) need fewer labels
 * than labeling at random? A simulated labeler on Fashion-MNIST (apt-get install -y
 * dataset-fashion-mnist): a pool of 10,000 training images whose labels are revealed only when
 * "labeled", 10 labels per class to start, then rounds of 100 labels chosen by uncertainty
 * (Studio's margin, the default of the queue) or at random; after each round Studio's softmax head
 * is refit and its accuracy measured on 2,000 test images. Same features (pixels), same head, same
 * seed for both.
 *
 *   npm run bench:active-learning [-- --rounds 14 --per-round 100 --by margin]
 *
 * Last line: labels_ratio=<labels uncertainty needs to reach random's final accuracy ÷ labels random used>.
 */
import { fitSoftmax, predictSoftmax, type SoftmaxModel } from '../main/engine/quality/softmax'
import { rankByUncertainty, type Uncertainty } from '../main/engine/quality/uncertainty'
import { mixSeed, rng, shuffle } from '../main/engine/random'
import { loadFashion, pixelFeatures } from './lib/fashion'

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : d
}
const rounds = Number(arg('rounds', '14'))
const perRound = Number(arg('per-round', '100'))
const by = arg('by', 'margin') as Uncertainty
const POOL = 10_000
const TEST = 2_000
const K = 10
const D = 784

const { train, test } = loadFashion()
const poolRows = shuffle(
  Array.from({ length: 60_000 }, (_, i) => i),
  rng(7),
).slice(0, POOL)
const x = pixelFeatures(train, poolRows)
const y = Int32Array.from(poolRows, (r) => train.labels[r]!)
const testRows = Array.from({ length: TEST }, (_, i) => i)
const tx = pixelFeatures(test, testRows)
const ty = Int32Array.from(testRows, (r) => test.labels[r]!)
const head = { iterations: 100, l2: 1e-2 }

function testAccuracy(model: SoftmaxModel): number {
  return predictSoftmax(model, tx, testRows).filter((p, i) => p.indexOf(Math.max(...p)) === ty[i]).length / TEST
}

function run(strategy: 'uncertainty' | 'random'): { labels: number; accuracy: number }[] {
  const random = rng(mixSeed(11, strategy === 'random' ? 1 : 2))
  const labeled: number[] = []
  for (let c = 0; c < K; c++)
    labeled.push(
      ...Array.from(y.keys())
        .filter((i) => y[i] === c)
        .slice(0, 10),
    )
  const curve: { labels: number; accuracy: number }[] = []
  const t0 = performance.now()
  for (let r = 0; r <= rounds; r++) {
    const model = fitSoftmax(x, D, y, K, labeled, head)
    const acc = testAccuracy(model)
    curve.push({ labels: labeled.length, accuracy: acc })
    console.log(
      `${strategy.padEnd(11)} labels ${String(labeled.length).padStart(5)}  accuracy ${(acc * 100).toFixed(1)} %  (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    )
    if (r === rounds) break
    const have = new Set(labeled)
    const pool = Array.from({ length: POOL }, (_, i) => i).filter((i) => !have.has(i))
    if (strategy === 'random') labeled.push(...shuffle(pool, random).slice(0, perRound))
    else {
      const probs = predictSoftmax(model, x, pool)
      labeled.push(
        ...rankByUncertainty(probs, by)
          .slice(0, perRound)
          .map((i) => pool[i]!),
      )
    }
  }
  return curve
}

console.log(
  `Fashion-MNIST pool ${POOL}, test ${TEST}; start 10 per class, ${rounds} rounds of ${perRound}; uncertainty = ${by}`,
)
const rand = run('random')
const unc = run('uncertainty')
const target = rand.at(-1)!
const reached = unc.find((p) => p.accuracy >= target.accuracy)
console.log(
  `random reaches ${(target.accuracy * 100).toFixed(1)} % with ${target.labels} labels; ` +
    (reached
      ? `uncertainty reaches it with ${reached.labels}`
      : `uncertainty does not reach it within ${unc.at(-1)!.labels}`),
)
console.log(`labels_ratio=${reached ? (reached.labels / target.labels).toFixed(2) : 'n/a'}`)
