// Indicator scores beside a recommendation: each of the campaign's indicators with its weight and its
// 0–100 score against the units the reviewer judges, and the weighted composite (docs/review.md).
import type { ReviewSchemas } from '@/api/client'

export interface ScoreLine {
  indicator: string
  weight: string
  score: string
  /** the measure's own value: a count, or a rate for 信息服务 */
  value: string
}

/** 1 → "1", 0.5 → "0.5", 33.33 → "33.3". */
function number(value: number): string {
  return String(Math.round(value * 10) / 10)
}

/** One line per indicator, in the campaign's order. */
export function scoreLines(score: ReviewSchemas['ScoreOut'] | null | undefined): ScoreLine[] {
  if (!score) return []
  return score.measures.map((m) => ({
    indicator: m.indicator,
    weight: number(m.weight),
    score: number(m.score),
    value: m.measure === 'info_service' ? `${Math.round(m.value * 100)}%` : number(m.value),
  }))
}

/** "75.0" — the composite on one decimal. */
export function compositeText(score: ReviewSchemas['ScoreOut'] | null | undefined): string {
  return score ? score.composite.toFixed(1) : '—'
}
