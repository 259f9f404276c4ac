import type { AutoPlanDto } from '../../../preload/contract'
import { duration } from './format'

/** The budgets the Train form offers "Train the best model" (seconds), about 1 to 15 minutes. */
export const AUTO_BUDGETS: { seconds: number; label: string }[] = [
  { seconds: 60, label: 'about 1 minute' },
  { seconds: 120, label: 'about 2 minutes' },
  { seconds: 300, label: 'about 5 minutes' },
  { seconds: 600, label: 'about 10 minutes' },
  { seconds: 900, label: 'about 15 minutes' },
]

/** The plan's headline: what it picks and how long it should take. */
export function autoHeadline(plan: AutoPlanDto): string {
  const preset = plan.choices.find((c) => c.what === 'preset')?.value ?? '?'
  const backbone = plan.choices.find((c) => c.what === 'backbone')?.value
  const what = preset === 'transfer' ? `transfer learning on ${backbone ?? 'a backbone'}` : 'the seed CNN from scratch'
  return `Auto would train ${what}, about ${duration(plan.estimateSeconds)} of ${duration(plan.budgetSeconds)}.`
}
