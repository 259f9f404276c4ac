import type { SuspectDto, SuspectsDto } from '../../../preload/contract'
import { pct0 } from './format'
import { plural } from './messages'
import { fileName } from './quality-keys'

/** The suspects after one was decided: it leaves the list and the total. */
export function withoutSuspect(d: SuspectsDto, imageId: number): SuspectsDto {
  const suspects = d.suspects.filter((s) => s.imageId !== imageId)
  return { ...d, suspects, total: Math.max(0, d.total - (d.suspects.length - suspects.length)) }
}

/** "b-07.jpg: bees → ants (suggestion accepted)", "b-07.jpg: kept “bees”", "b-07.jpg: bees → wasps". */
export function decisionMessage(s: SuspectDto, decision: 'accept' | 'keep' | 'relabel', to: string): string {
  const name = fileName(s.path)
  if (decision === 'keep') return `${name}: kept “${s.label}”`
  return `${name}: ${s.label} → ${to}${decision === 'accept' ? ' (suggestion accepted)' : ''}`
}

/** What the Review view says about the check its suspects come from. */
export function checkSummary(d: SuspectsDto | null): string {
  const c = d?.check
  if (!c) return 'No label check yet.'
  const when = c.createdAt.replace('T', ' ').slice(0, 16)
  const stale = c.fresh ? '' : ' Labels changed since: check again for current results.'
  return `Checked ${plural(c.checked, 'labeled image')} on ${when} (${c.source}).${stale}`
}

/** "82 %": how likely the label is wrong, as the suspect's score. */
export const scoreText = (s: SuspectDto): string => pct0(s.score)
