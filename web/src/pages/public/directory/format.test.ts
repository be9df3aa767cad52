import { describe, expect, it } from 'vitest'
import { formatLabel, formatRating, formatTimeRange, isOnline, phaseOf } from './format'

const NOW = new Date('2024-09-10T00:00:00Z')

describe('formatTimeRange', () => {
  it('writes one day in China time, the year only when it is not this year', () => {
    expect(formatTimeRange('2024-09-16T01:00:00+00:00', '2024-09-16T03:00:00+00:00', NOW)).toBe('9月16日 09:00–11:00')
    expect(formatTimeRange('2023-09-16T09:00:00+08:00', '2023-09-16T11:30:00+08:00', NOW)).toBe('2023年9月16日 09:00–11:30')
  })

  it('writes both days of an activity over several days, and a late evening in UTC as the next China day', () => {
    expect(formatTimeRange('2024-09-15T23:00:00Z', '2024-09-18T09:00:00Z', NOW)).toBe('9月16日 07:00 至 9月18日 17:00')
  })
})

describe('phaseOf', () => {
  const activity = { starts_at: '2024-09-16T09:00:00+08:00', ends_at: '2024-09-16T11:00:00+08:00' }
  it('opens check-in on the start day and rating at the start', () => {
    expect(phaseOf(activity, new Date('2024-09-15T12:00:00+08:00'))).toEqual({ phase: 'upcoming', started: false, checkInOpen: false })
    expect(phaseOf(activity, new Date('2024-09-16T08:00:00+08:00'))).toEqual({ phase: 'today', started: false, checkInOpen: true })
    expect(phaseOf(activity, new Date('2024-09-16T10:00:00+08:00'))).toEqual({ phase: 'ongoing', started: true, checkInOpen: true })
    expect(phaseOf(activity, new Date('2024-09-16T20:00:00+08:00'))).toEqual({ phase: 'ended', started: true, checkInOpen: true })
    expect(phaseOf(activity, new Date('2024-09-17T00:30:00+08:00'))).toEqual({ phase: 'ended', started: true, checkInOpen: false })
  })
})

describe('labels', () => {
  it('names the way of taking part and the rating', () => {
    expect(formatLabel('both')).toBe('线上线下')
    expect(isOnline({ format: 'both' })).toBe(true)
    expect(isOnline({ format: 'offline' })).toBe(false)
    expect(formatRating({ rating_average: 4.56, rating_count: 12 })).toBe('4.6 分（12 人评价）')
    expect(formatRating({ rating_average: null, rating_count: 0 })).toBe('暂无评价')
  })
})
