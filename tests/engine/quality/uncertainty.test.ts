import { describe, expect, it } from 'vitest'
import { balancedOrder } from '../../../main/engine/quality/uncertainty'

describe('balancedOrder (the label-next order)', () => {
  it("takes each predicted class's most uncertain in turn, classes in the order of their most uncertain", () => {
    // Ranked most uncertain first: [id, predicted class].
    const ranked: [string, number][] = [
      ['a1', 0],
      ['a2', 0],
      ['b1', 1],
      ['a3', 0],
      ['c1', 2],
      ['b2', 1],
      ['a4', 0],
    ]
    expect(balancedOrder(ranked, ([, c]) => c).map(([id]) => id)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4'])
  })

  it('keeps a one-class ranking as it is, and an empty one empty', () => {
    expect(balancedOrder([3, 1, 2], () => 0)).toEqual([3, 1, 2])
    expect(balancedOrder([], () => 0)).toEqual([])
  })
})
