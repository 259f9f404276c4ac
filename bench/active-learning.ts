/**
 * bench/active-learning: does Studio's "label next" order (most uncertain first) need fewer labels
 * than labeling at random? A simulated labeler on Fashion-MNIST (apt-get install -y
 * dataset-fashion-mnist): a pool of 10,000 training images whose labels are revealed only when
 * "labeled", 10 labels per class to start, then rounds of 100 labels chosen as Studio's label-next
 * queue orders them (margin, its default, balanced over the predicted classes) or at random; after each round Studio's softmax head
 * is refit and its accuracy measured on 2,000 test images. Same features (pixels), same head, same
 * pool and start for both. Repeated over `--seeds` draws of the pool, the start and the random
 * picks: one seed's random curve wobbles by a point or so from round to round, and the ratio
 * depends on where that curve ends, so the figure is taken on the seeds' mean curves.
 *
 *   npm run bench:active-learning [-- --rounds 19 --per-round 100 --by margin --seeds 5 --batch balanced|plain]
 *                                 [-- --random-share 0.2]
 *
 * `--random-share F`: of each uncertainty round, that share is drawn at random from the rest of the
 * pool (the queue's order fills the others), a way to keep the batches from piling onto what the
 * model already thinks it is unsure about.
 *
 * Last lines: labels_ratio_seeds=<each seed's ratio>, labels_ratio=<labels uncertainty needs to
 * reach random's final accuracy ÷ labels random used, on the mean curves>.
 */
import { fitSoftmax, predictSoftmax, type SoftmaxModel } from '../main/engine/quality/softmax'
import { selectBackend } from '../main/engine/training/backend'
import { argmax } from '../main/engine/quality/confident-learning'
import { balancedOrder, rankByUncertainty, type Uncertainty } from '../main/engine/quality/uncertainty'
import { mixSeed, rng, shuffle } from '../main/engine/random'
import { loadFashion, pixelFeatures } from './lib/fashion'
import { printResources } from './lib/resources'

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : d
}
/** 19 rounds of 100 after 100 start labels: 2,000 labels, where random's curve has flattened (≈ 80 %). */
const rounds = Number(arg('rounds', '19'))
const perRound = Number(arg('per-round', '100'))
const by = arg('by', 'margin') as Uncertainty
const seeds = Number(arg('seeds', '5'))
/** balanced: Studio's label-next order (uncertainty.ts `balancedOrder`); plain: by uncertainty alone. */
const batch = arg('batch', 'balanced') as 'plain' | 'balanced'
const randomShare = Number(arg('random-share', '0'))
const POOL = 10_000
const TEST = 2_000
const K = 10
const D = 784

const backend = await selectBackend()
printResources({
  studio: 'one Node process; the softmax head (TF.js) fits and predicts on this thread, no worker threads',
  peer: 'none: the random-order baseline fits the same head in the same process, one strategy after the other',
  backend: `${backend.name} ${backend.version} (${backend.reason})`,
})
const { train, test } = loadFashion()
const testRows = Array.from({ length: TEST }, (_, i) => i)
const tx = pixelFeatures(test, testRows)
const ty = Int32Array.from(testRows, (r) => test.labels[r]!)
// The TF.js engine of the same head (what label checks use; ≈ 10× the plain-JS loop on wasm).
const head = { iterations: 100, l2: 1e-2, engine: 'tf' as const }

type Curve = { labels: number; accuracy: number }[]

function testAccuracy(model: SoftmaxModel): number {
  return predictSoftmax(model, tx, testRows).filter((p, i) => p.indexOf(Math.max(...p)) === ty[i]).length / TEST
}

function run(seed: number, strategy: 'uncertainty' | 'random'): Curve {
  const poolRows = shuffle(
    Array.from({ length: 60_000 }, (_, i) => i),
    rng(mixSeed(7, seed)),
  ).slice(0, POOL)
  const x = pixelFeatures(train, poolRows)
  const y = Int32Array.from(poolRows, (r) => train.labels[r]!)
  const random = rng(mixSeed(mixSeed(11, seed), strategy === 'random' ? 1 : 2))
  const labeled: number[] = []
  for (let c = 0; c < K; c++) {
    labeled.push(
      ...Array.from(y.keys())
        .filter((i) => y[i] === c)
        .slice(0, 10),
    )
  }
  const curve: Curve = []
  for (let r = 0; r <= rounds; r++) {
    const model = fitSoftmax(x, D, y, K, labeled, head)
    curve.push({ labels: labeled.length, accuracy: testAccuracy(model) })
    if (r === rounds) break
    const have = new Set(labeled)
    const pool = Array.from({ length: POOL }, (_, i) => i).filter((i) => !have.has(i))
    if (strategy === 'random') labeled.push(...shuffle(pool, random).slice(0, perRound))
    else {
      const probs = predictSoftmax(model, x, pool)
      const ranked = rankByUncertainty(probs, by)
      // As queue.ts: the top perRound × K by uncertainty, balanced over the predicted classes.
      const order =
        batch === 'balanced' ? balancedOrder(ranked.slice(0, perRound * K), (i) => argmax(probs[i]!)) : ranked
      const nRandom = Math.round(perRound * randomShare)
      const picked = order.slice(0, perRound - nRandom)
      const taken = new Set(picked)
      const rest = nRandom
        ? shuffle(
            Array.from(pool.keys()).filter((i) => !taken.has(i)),
            random,
          )
        : []
      labeled.push(...[...picked, ...rest.slice(0, nRandom)].map((i) => pool[i]!))
    }
  }
  return curve
}

/** Labels uncertainty needs to reach random's final accuracy ÷ labels random used (null: never reached). */
function labelsRatio(random: Curve, unc: Curve): { ratio: number | null; target: number; reached: number | null } {
  const target = random.at(-1)!
  const reached = unc.find((p) => p.accuracy >= target.accuracy)?.labels ?? null
  return { ratio: reached === null ? null : reached / target.labels, target: target.accuracy, reached }
}

const pct = (a: number) => `${(a * 100).toFixed(1)} %`
console.log(
  `Fashion-MNIST pool ${POOL}, test ${TEST}; start 10 per class, ${rounds} rounds of ${perRound}; ` +
    `uncertainty = ${by}, batches ${batch}, random share ${randomShare}; ${seeds} seeds; head: ${JSON.stringify(head)}`,
)
const curves: { random: Curve; unc: Curve }[] = []
const ratios: (number | null)[] = []
const t0 = performance.now()
for (let s = 1; s <= seeds; s++) {
  const c = { random: run(s, 'random'), unc: run(s, 'uncertainty') }
  curves.push(c)
  const r = labelsRatio(c.random, c.unc)
  ratios.push(r.ratio)
  console.log(
    `seed ${s}: random ${c.random.map((p) => (p.accuracy * 100).toFixed(1)).join(' ')}\n` +
      `        margin ${c.unc.map((p) => (p.accuracy * 100).toFixed(1)).join(' ')}\n` +
      `        random reaches ${pct(r.target)} with ${c.random.at(-1)!.labels} labels; uncertainty ` +
      `${r.reached === null ? 'does not reach it' : `with ${r.reached}`} (ratio ${r.ratio?.toFixed(2) ?? 'n/a'}; ` +
      `${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  )
}
const mean = (pick: (c: { random: Curve; unc: Curve }) => Curve): Curve =>
  pick(curves[0]!).map((p, k) => ({
    labels: p.labels,
    accuracy: curves.reduce((s, c) => s + pick(c)[k]!.accuracy, 0) / curves.length,
  }))
const meanRandom = mean((c) => c.random)
const meanUnc = mean((c) => c.unc)
console.log('labels  random (mean)  uncertainty (mean)')
for (let k = 0; k < meanRandom.length; k++) {
  console.log(
    `${String(meanRandom[k]!.labels).padStart(6)}  ${pct(meanRandom[k]!.accuracy).padStart(13)}  ` +
      `${pct(meanUnc[k]!.accuracy).padStart(18)}`,
  )
}
const overall = labelsRatio(meanRandom, meanUnc)
const known = ratios.filter((r): r is number => r !== null)
console.log(
  `mean curves: random reaches ${pct(overall.target)} with ${meanRandom.at(-1)!.labels} labels; ` +
    (overall.reached === null ? 'uncertainty does not reach it' : `uncertainty reaches it with ${overall.reached}`) +
    (known.length ? `; per seed ${Math.min(...known).toFixed(2)}–${Math.max(...known).toFixed(2)}` : ''),
)
console.log(`labels_ratio_seeds=${ratios.map((r) => r?.toFixed(2) ?? 'n/a').join(',')}`)
console.log(`labels_ratio=${overall.ratio?.toFixed(2) ?? 'n/a'}`)
