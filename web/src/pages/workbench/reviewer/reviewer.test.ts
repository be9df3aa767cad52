import { describe, expect, it } from 'vitest'
import type { RegistrationSchemas, ReviewSchemas } from '@/api/client'
import {
  bodyName, chinaDay, chinaTimeRange, defaultCampaign, figureItems, fileNameOf, isPhone, quotaLine, quotaOf, quotaText, recommendable, usedPlaces,
} from './reviewer'

function listed(kind: 'activity' | 'unit', status: ReviewSchemas['ListedOut']['status']): ReviewSchemas['ListedOut'] {
  return {
    id: Math.random().toString(16).slice(2), campaign_id: 'c', kind, subject_id: 's', subject_name: 'n', unit_name: 'u',
    region_code: '610502', origin: 'county:610502', level: 'city', status, commended: false, version: 1, form: {},
    history: [], created_at: '2026-09-01T00:00:00Z', unit_id: null, figures: { activity: null, unit: null }, details: null,
  }
}

const chain = {
  levels: ['county', 'city', 'province'], forward_to: 'national', societies: true,
  quotas: { county: 3, city: 5 }, unit_quotas: { county: 1 }, society_quota: 4, society_unit_quota: null, windows: {},
} as unknown as Parameters<typeof quotaOf>[0]

describe('quotas', () => {
  it('reads the level’s quota of each kind, a society’s own, and none when absent', () => {
    expect(quotaOf(chain, 'county', 'activity')).toBe(3)
    expect(quotaOf(chain, 'county', 'unit')).toBe(1)
    expect(quotaOf(chain, 'province', 'activity')).toBeNull()
    expect(quotaOf(chain, 'national', 'activity', true)).toBe(4)
    expect(quotaOf(chain, 'national', 'unit', true)).toBeNull()
    expect(quotaOf(null, 'county', 'activity')).toBeNull()
    expect(quotaOf(chain, undefined, 'activity')).toBeNull()
  })

  it('counts standing recommendations and endorsements; a withdrawal frees its place', () => {
    const sent = [listed('activity', 'pending'), listed('activity', 'withdrawn'), listed('activity', 'declined'), listed('unit', 'pending')]
    const endorsed = [listed('activity', 'selected')]
    expect(usedPlaces(sent, endorsed, 'activity')).toBe(3)
    expect(usedPlaces(sent, endorsed, 'unit')).toBe(1)
  })

  it('says what is left, never below zero, or that there is no limit', () => {
    expect(quotaText(quotaLine(3, 1, 'activity'))).toBe('剩余 2 个 / 共 3 个')
    expect(quotaLine(3, 5, 'activity').left).toBe(0)
    expect(quotaText(quotaLine(null, 2, 'unit'))).toBe('不限名额（已用 2 个）')
  })
})

describe('names and figures', () => {
  it('names bodies in Chinese', () => {
    expect(bodyName('county:610502')).toBe('县级 610502')
    expect(bodyName('city:6105')).toBe('市级 6105')
    expect(bodyName('national:CN')).toBe('全国')
    expect(bodyName('national:society:中国营养学会')).toBe('中国营养学会')
    expect(bodyName(null)).toBe('')
  })

  it('shows the indicator figures, with no rating and no activities said so', () => {
    const figures: ReviewSchemas['FiguresOut'] = {
      activities: 4, online_activities: 1, joint_action_activities: 0, science_workers: 12, participation: 340,
      ratings: 0, average_rating: null, info_completed: 3, completion_rate: 0.75,
    }
    const shown = Object.fromEntries(figureItems(figures).map((f) => [f.label, f.value]))
    expect(shown).toMatchObject({ 活动数: '4', 参与人次: '340', 科技工作者: '12', 评价: '暂无', 信息完善率: '75%' })
    expect(figureItems({ ...figures, ratings: 3, average_rating: 4.333, completion_rate: null }).map((f) => f.value)).toContain('4.3 分（3 人）')
    expect(figureItems(null)).toEqual([])
  })
})

describe('forms and files', () => {
  it('accepts a mobile or a landline with its area code', () => {
    expect(isPhone('13812345678')).toBe(true)
    expect(isPhone('0913-2123456')).toBe(true)
    expect(isPhone('12345')).toBe(false)
    expect(isPhone('23812345678')).toBe(false)
  })

  it('takes the file name from Content-Disposition, UTF-8 first', () => {
    expect(fileNameOf("attachment; filename=\"x.xlsx\"; filename*=UTF-8''%E9%99%84%E4%BB%B63.xlsx", 'f.xlsx')).toBe('附件3.xlsx')
    expect(fileNameOf('attachment; filename="list.xlsx"', 'f.xlsx')).toBe('list.xlsx')
    expect(fileNameOf(null, 'f.xlsx')).toBe('f.xlsx')
  })

  it('opens the newest campaign with a recommendation chain', () => {
    const c = (id: string, year: number, rec: boolean) => ({ id, year, settings: rec ? { recommendation: chain } : {} }) as unknown as RegistrationSchemas['CampaignOut']
    expect(defaultCampaign([c('2023', 2023, true), c('2026-x', 2026, false), c('2024', 2024, true)])).toBe('2024')
    expect(defaultCampaign([c('2026-x', 2026, false)])).toBe('2026-x')
    expect(defaultCampaign([])).toBeNull()
  })

  it('recommends only approved, registered activities with completed information', () => {
    const a = { status: 'registered', review: 'approved', info_completed: true } as ReviewSchemas['ReviewedActivityOut']
    expect(recommendable(a)).toBe(true)
    expect(recommendable({ ...a, info_completed: false })).toBe(false)
    expect(recommendable({ ...a, review: 'pending' })).toBe(false)
    expect(recommendable({ ...a, status: 'withdrawn' })).toBe(false)
  })
})

describe('days', () => {
  it('dates an instant by the day in China', () => {
    expect(chinaDay('2026-12-05T18:26:07.737140Z')).toBe('2026-12-06')
    expect(chinaDay('2026-12-05T10:00:00Z')).toBe('2026-12-05')
  })
})

describe('chinaTimeRange', () => {
  it('shows an activity in China time, the day once when it ends the same day', () => {
    expect(chinaTimeRange('2026-09-16T01:30:00Z', '2026-09-16T04:00:00Z')).toBe('2026-09-16 09:30 至 12:00')
    expect(chinaTimeRange('2026-09-16T15:30:00Z', '2026-09-17T17:00:00Z')).toBe('2026-09-16 23:30 至 2026-09-18 01:00')
    expect(chinaTimeRange(null, null)).toBe('—')
  })
})
