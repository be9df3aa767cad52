import { describe, expect, it } from 'vitest'
import type { RegistrationSchemas } from '@/api/client'
import { chinaToday, registrationState, windowText } from './registrationWindow'

type CampaignOut = RegistrationSchemas['CampaignOut']
const campaign = (opens_on: string | null, closes_on: string | null) =>
  ({ id: 'c', title: 't', registration: { opens_on, closes_on } }) as unknown as CampaignOut

describe('a campaign registration window', () => {
  it('is open, not yet open or closed on China\'s calendar day', () => {
    const c = campaign('2026-11-01', '2026-12-04')
    expect(registrationState(c, '2026-10-31')).toBe('before')
    expect(registrationState(c, '2026-11-01')).toBe('open')
    expect(registrationState(c, '2026-12-04')).toBe('open')
    expect(registrationState(c, '2026-12-05')).toBe('closed')
    expect(registrationState(campaign(null, null), '2030-01-01')).toBe('open')
  })

  it('is written as the site writes dates', () => {
    expect(windowText(campaign('2026-11-01', '2026-12-04'))).toBe('2026年11月1日至12月4日')
    expect(windowText(campaign('2026-11-01', null))).toBe('2026年11月1日起')
    expect(windowText(campaign(null, '2026-12-04'))).toBe('至2026年12月4日')
    expect(windowText(campaign(null, null))).toBe('不限')
  })

  it('counts days in China: 20:00 UTC is already the next day', () => {
    expect(chinaToday(new Date('2026-12-05T20:00:00Z'))).toBe('2026-12-06')
  })
})
