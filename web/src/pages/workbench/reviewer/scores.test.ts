import { describe, expect, it } from 'vitest'
import { compositeText, scoreLines } from './scores'

const score = {
  composite: 43.75,
  measures: [
    { indicator: '组织动员', measure: 'mobilisation' as const, weight: 3, value: 1, best: 2, score: 50 },
    { indicator: '活动信息服务', measure: 'info_service' as const, weight: 0.5, value: 0.75, best: 1, score: 75 },
  ],
}

describe('indicator scores', () => {
  it('shows each indicator with its weight, its value and its score', () => {
    expect(scoreLines(score)).toEqual([
      { indicator: '组织动员', weight: '3', score: '50', value: '1' },
      { indicator: '活动信息服务', weight: '0.5', score: '75', value: '75%' },
    ])
  })

  it('shows the composite on one decimal, and nothing without a score', () => {
    expect(compositeText(score)).toBe('43.8')
    expect(compositeText(null)).toBe('—')
    expect(scoreLines(undefined)).toEqual([])
  })
})
